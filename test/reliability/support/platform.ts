import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../../src/local/config.js';
import { OsbClient, type Credentials, type HttpResponse } from '../../support/http.js';

/**
 * A patient OSB platform: it sends each request to the next broker address in rotation and, when a
 * broker is down (connection refused or reset: it was killed), tries again until one answers, as a
 * platform behind a load balancer would. Every answer it accepts is a real HTTP answer.
 */

export const cfContext = (space = 'space-1', org = 'org-1') => ({ platform: 'cloudfoundry', organization_guid: org, space_guid: space });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function isConnectionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/.test(String((error as Error)?.message));
}

export class Platform {
  private next = 0;
  /** Requests that found no broker listening, or lost their connection mid-way, and were sent again. */
  connectionRetries = 0;
  requests = 0;

  constructor(
    private readonly urls: () => string[],
    private readonly credentials: Credentials,
    private readonly retryBound = 3000,
  ) {}

  /** One request, retried on connection errors (bounded, so a broker that never returns fails the test). */
  async call(method: string, path: string, body?: unknown): Promise<HttpResponse & { retried: boolean }> {
    for (let attempt = 0; attempt < this.retryBound; attempt++) {
      const urls = this.urls();
      const url = urls[this.next++ % urls.length]!;
      const client = new OsbClient(url, this.credentials);
      try {
        this.requests++;
        const response = await client.call(method, path, body === undefined ? {} : { body });
        return { ...response, retried: attempt > 0 };
      } catch (error) {
        if (!isConnectionError(error)) throw error;
        this.connectionRetries++;
        await sleep(50);
      }
    }
    throw new Error(`${method} ${path}: no broker answered after ${this.retryBound} attempts`);
  }

  provisionBody(
    parameters: Record<string, unknown> = {},
    plan: string = LOCAL_PLANS.small,
    context = cfContext(),
  ): Record<string, unknown> {
    return { service_id: LOCAL_SERVICE_ID, plan_id: plan, context, parameters };
  }

  /** PUT until the broker accepts (202, or 200 when a repeat finds it done); returns the operation. */
  async provision(instanceId: string, body: Record<string, unknown>): Promise<string> {
    const response = await this.call('PUT', `/v2/service_instances/${instanceId}?accepts_incomplete=true`, body);
    if (response.status === 202) return response.json.operation as string;
    if (response.status === 200) return 'provision';
    throw new Error(`provision ${instanceId} answered ${response.status}: ${response.text}`);
  }

  /**
   * Polls last_operation until the state is no longer "in progress". Every state seen is returned,
   * so callers can assert that none was "failed" on the way.
   */
  async pollUntilDone(
    instanceId: string,
    operation: string,
    options: { limit?: number; intervalMs?: number } = {},
  ): Promise<{ state: string; status: number; states: string[]; descriptions: string[] }> {
    const states: string[] = [];
    const descriptions: string[] = [];
    for (let i = 0; i < (options.limit ?? 3000); i++) {
      const response = await this.call(
        'GET',
        `/v2/service_instances/${instanceId}/last_operation?operation=${encodeURIComponent(operation)}`,
      );
      if (response.status === 410) return { state: 'gone', status: 410, states, descriptions };
      if (response.status !== 200) throw new Error(`last_operation of ${instanceId} answered ${response.status}: ${response.text}`);
      const { state, description } = response.json as { state: string; description?: string };
      states.push(state);
      if (descriptions.at(-1) !== description) descriptions.push(description ?? '');
      if (state !== 'in progress') return { state, status: 200, states, descriptions };
      await sleep(options.intervalMs ?? 150);
    }
    throw new Error(`operation ${operation} on ${instanceId} still in progress after ${options.limit ?? 3000} polls`);
  }

  /** Binds; a repeat after a lost answer gets 200 with the same credentials. Retries a 422 while the instance is busy. */
  async bind(instanceId: string, bindingId: string): Promise<{ uri: string; username: string; password: string }> {
    for (let i = 0; i < 600; i++) {
      const response = await this.call('PUT', `/v2/service_instances/${instanceId}/service_bindings/${bindingId}`, {
        service_id: LOCAL_SERVICE_ID,
        plan_id: LOCAL_PLANS.small,
      });
      if (response.status === 201 || response.status === 200) {
        const credentials = response.json.credentials as { uri: string; username: string; password: string };
        return { uri: credentials.uri, username: credentials.username, password: credentials.password };
      }
      if (response.status !== 422 && response.status !== 503)
        throw new Error(`bind ${instanceId}/${bindingId} answered ${response.status}: ${response.text}`);
      await sleep(100);
    }
    throw new Error(`bind ${instanceId}/${bindingId} never succeeded`);
  }

  /** Unbinds; 410 is accepted only for a repeat (the first attempt's answer was lost with its broker). */
  async unbind(instanceId: string, bindingId: string): Promise<number> {
    const path = `/v2/service_instances/${instanceId}/service_bindings/${bindingId}?service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.small}`;
    let repeated = false;
    for (let i = 0; i < 600; i++) {
      const response = await this.call('DELETE', path);
      repeated ||= response.retried;
      if (response.status === 200) return 200;
      if (response.status === 410 && repeated) return 410;
      if (response.status !== 422 && response.status !== 503)
        throw new Error(`unbind ${instanceId}/${bindingId} answered ${response.status}: ${response.text}`);
      await sleep(100);
    }
    throw new Error(`unbind ${instanceId}/${bindingId} never succeeded`);
  }

  async deprovision(instanceId: string, plan: string = LOCAL_PLANS.small): Promise<number> {
    const response = await this.call(
      'DELETE',
      `/v2/service_instances/${instanceId}?accepts_incomplete=true&service_id=${LOCAL_SERVICE_ID}&plan_id=${plan}`,
    );
    if (response.status !== 202 && response.status !== 200 && response.status !== 410)
      throw new Error(`deprovision ${instanceId} answered ${response.status}: ${response.text}`);
    return response.status;
  }
}
