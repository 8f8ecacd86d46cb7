import { randomUUID } from 'node:crypto';

/**
 * The instances a benchmark polls, made the way a platform makes them: through the broker's own
 * OSB API, so they carry exactly the broker's tags. Half are provisions still creating; the other
 * half were provisioned, settled to available, then moved to a larger plan, so they are modifying
 * with the broker's PendingUpdateSettings step on them. The emulator runs at a large duration
 * factor, so both stay in flight for the whole run and every poll does the real work of one.
 */

export interface OsbClient {
  baseUrl: string;
  authorization: string;
}

export function osbClient(baseUrl: string, username: string, password: string): OsbClient {
  return { baseUrl, authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}

async function send(client: OsbClient, method: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${client.baseUrl}${path}`, {
    method,
    headers: { Authorization: client.authorization, 'X-Broker-API-Version': '2.17', 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

/** Runs `work` over `items`, `concurrency` at a time; the first failure stops the rest and is thrown. */
export async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure !== undefined) throw failure;
}

export interface PlanIds {
  serviceId: string;
  smallPlanId: string;
  largerPlanId: string;
}

const context = {
  platform: 'cloudfoundry',
  organization_guid: 'bench-org',
  space_guid: 'bench-space',
  organization_name: 'bench',
  space_name: 'bench',
};

export async function provision(client: OsbClient, plans: PlanIds, instanceId: string): Promise<void> {
  const answer = await send(client, 'PUT', `/v2/service_instances/${instanceId}?accepts_incomplete=true`, {
    service_id: plans.serviceId,
    plan_id: plans.smallPlanId,
    organization_guid: context.organization_guid,
    space_guid: context.space_guid,
    context,
  });
  if (answer.status !== 202) throw new Error(`provision of ${instanceId} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
}

export async function changePlan(client: OsbClient, plans: PlanIds, instanceId: string): Promise<void> {
  const answer = await send(client, 'PATCH', `/v2/service_instances/${instanceId}?accepts_incomplete=true`, {
    service_id: plans.serviceId,
    plan_id: plans.largerPlanId,
    previous_values: { plan_id: plans.smallPlanId, service_id: plans.serviceId },
    context,
  });
  if (answer.status !== 202) throw new Error(`plan change of ${instanceId} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
}

export interface Fleet {
  /** Provisions in flight (RDS status creating). */
  creating: string[];
  /** Plan changes in flight (RDS status modifying, PendingUpdateSettings tag). */
  updating: string[];
}

export function newInstanceIds(count: number): string[] {
  return Array.from({ length: count }, () => randomUUID());
}

/** The poll a platform makes for each instance of the fleet. */
export function pollPaths(fleet: Fleet): Array<{ path: string }> {
  const paths: Array<{ path: string }> = [];
  // Interleaved, so any stretch of polls holds both kinds.
  const longest = Math.max(fleet.creating.length, fleet.updating.length);
  for (let i = 0; i < longest; i++) {
    if (i < fleet.updating.length) paths.push({ path: `/v2/service_instances/${fleet.updating[i]}/last_operation?operation=update` });
    if (i < fleet.creating.length) paths.push({ path: `/v2/service_instances/${fleet.creating[i]}/last_operation?operation=provision` });
  }
  return paths;
}

export interface ProvisionAnswer {
  status: number;
  /** The Retry-After header, when the answer has one. */
  retryAfter?: string;
  ms: number;
  /** What failed, when no HTTP answer came. */
  error?: string;
}

/** One provision whatever it answers (a burst counts every status; `provision` above insists on 202). */
export async function provisionAnswer(client: OsbClient, plans: PlanIds, instanceId: string): Promise<ProvisionAnswer> {
  const started = performance.now();
  try {
    const response = await fetch(`${client.baseUrl}/v2/service_instances/${instanceId}?accepts_incomplete=true`, {
      method: 'PUT',
      headers: { Authorization: client.authorization, 'X-Broker-API-Version': '2.17', 'Content-Type': 'application/json' },
      body: JSON.stringify({
        service_id: plans.serviceId,
        plan_id: plans.smallPlanId,
        organization_guid: context.organization_guid,
        space_guid: context.space_guid,
        context,
      }),
      // Longer than any wait bound the broker may be given (55 s at most), so every answer arrives.
      signal: AbortSignal.timeout(90_000),
    });
    await response.arrayBuffer();
    const retryAfter = response.headers.get('retry-after');
    return { status: response.status, ...(retryAfter !== null ? { retryAfter } : {}), ms: performance.now() - started };
  } catch (error) {
    return { status: 0, error: (error as Error).name, ms: performance.now() - started };
  }
}
