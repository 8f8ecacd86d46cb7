import type { Broker, BrokerResponse, DatabaseTlsReport, RequestContext } from '../../src/broker/contract.js';
import { buildConfig, type Config } from '../../src/config/load.js';

/** Catalog IDs used across the front-end tests. */
export const ids = {
  service: 'svc-postgres-0001',
  small: 'plan-small-0001',
  large: 'plan-large-0001',
  nobind: 'plan-nobind-0001',
  otherService: 'svc-mysql-0001',
  mysqlPlan: 'plan-mysql-0001',
};

export const credentials = { username: 'platform', password: 'platform-password-7f3a' };
export const secondCredentials = { username: 'platform-next', password: 'platform-password-next-91c2' };
export const derivationSecret = 'derivation-secret-value-5b2e81';

/** A complete configuration document, as it would be written in YAML. */
export function configDocument(): Record<string, any> {
  return {
    listen: { host: '127.0.0.1', port: 0, bodyLimitBytes: 64 * 1024, shutdownTimeoutMs: 2000 },
    auth: { credentials: [{ ...credentials }, { ...secondCredentials }], failedAttemptsPerMinute: 5 },
    broker: { name: 'test-broker', identifierPrefix: 'tb', derivationSecrets: [{ id: 's1', value: derivationSecret }] },
    aws: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566' },
    logging: { level: 'debug' },
    catalog: {
      services: [
        {
          id: ids.service,
          name: 'test-postgres',
          description: 'PostgreSQL for tests',
          tags: ['postgres'],
          plans: [
            {
              id: ids.small,
              name: 'small',
              description: 'small plan',
              rds: { engine: 'postgres', engineVersion: '17.4', instanceClass: 'db.t4g.micro', allocatedStorage: 20 },
              extensions: { allowed: ['pgcrypto', 'postgis'], default: [] },
            },
            {
              id: ids.large,
              name: 'large',
              description: 'large plan',
              maintenance_info: { version: '2.0.0', description: 'declared' },
              parameters: { provision: ['db_name'], update: ['reboot'], bind: [] },
              rds: { engine: 'postgres', engineVersion: '16.8', instanceClass: 'db.m7g.large', allocatedStorage: 100, multiAz: true },
            },
            {
              id: ids.nobind,
              name: 'nobind',
              description: 'a plan that cannot be bound',
              bindable: false,
              plan_updateable: false,
              rds: { engine: 'postgres', engineVersion: '17.4', instanceClass: 'db.t4g.micro', allocatedStorage: 20 },
            },
          ],
        },
        {
          id: ids.otherService,
          name: 'test-mysql',
          description: 'MySQL for tests',
          parameters: { provision: ['backup_retention_period'] },
          plans: [
            {
              id: ids.mysqlPlan,
              name: 'mysql-small',
              description: 'mysql plan',
              rds: { engine: 'mysql', engineVersion: '8.0.39', instanceClass: 'db.t4g.micro', allocatedStorage: 20 },
            },
          ],
        },
      ],
    },
  };
}

export function testConfig(mutate?: (doc: Record<string, any>) => void): Config {
  const doc = configDocument();
  mutate?.(doc);
  return buildConfig(doc, {});
}

export interface BrokerCall {
  method: keyof Broker;
  request: any;
  ctx: RequestContext;
}

/**
 * A Broker answering fixed responses and recording every call: the seam between the front end and
 * the use cases, faked so front-end tests check only the front end.
 */
export class RecordingBroker implements Broker {
  readonly calls: BrokerCall[] = [];
  /** What each method answers; a function may throw or wait. */
  responses: Partial<Record<keyof Broker, BrokerResponse | ((request: any) => Promise<BrokerResponse> | BrokerResponse)>> = {};
  isReady = true;
  /** What databaseTls() answers (for /readyz's detail). */
  tlsReport: DatabaseTlsReport | undefined;

  private async answer(method: keyof Broker, request: unknown, ctx: RequestContext): Promise<BrokerResponse> {
    this.calls.push({ method, request, ctx });
    const response = this.responses[method];
    if (typeof response === 'function') return response(request);
    return response ?? defaultResponses[method]!;
  }

  provision = (r: any, c: RequestContext) => this.answer('provision', r, c);
  update = (r: any, c: RequestContext) => this.answer('update', r, c);
  deprovision = (r: any, c: RequestContext) => this.answer('deprovision', r, c);
  fetchInstance = (r: any, c: RequestContext) => this.answer('fetchInstance', r, c);
  lastOperation = (r: any, c: RequestContext) => this.answer('lastOperation', r, c);
  bind = (r: any, c: RequestContext) => this.answer('bind', r, c);
  unbind = (r: any, c: RequestContext) => this.answer('unbind', r, c);
  fetchBinding = (r: any, c: RequestContext) => this.answer('fetchBinding', r, c);
  bindingLastOperation = (r: any, c: RequestContext) => this.answer('bindingLastOperation', r, c);
  ready = () => this.isReady;
  databaseTls = () => this.tlsReport;
}

const defaultResponses: Partial<Record<keyof Broker, BrokerResponse>> = {
  provision: { status: 202, body: { operation: 'provision' } },
  update: { status: 202, body: { operation: 'update' } },
  deprovision: { status: 202, body: { operation: 'deprovision' } },
  fetchInstance: { status: 200, body: { service_id: ids.service, plan_id: ids.small, parameters: {} } },
  lastOperation: { status: 200, body: { state: 'in progress', description: 'creating' }, retryAfterSeconds: 30 },
  bind: { status: 201, body: { credentials: { username: 'u', password: 'p' } } },
  unbind: { status: 200, body: {} },
  fetchBinding: { status: 200, body: { credentials: { username: 'u', password: 'p' } } },
  bindingLastOperation: { status: 200, body: { state: 'succeeded' } },
};

/** A valid provision body for the small plan. */
export function provisionBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    service_id: ids.service,
    plan_id: ids.small,
    organization_guid: 'org-guid',
    space_guid: 'space-guid',
    context: { platform: 'cloudfoundry', organization_guid: 'org-guid', space_guid: 'space-guid' },
    ...extra,
  };
}

export const INSTANCE = '6a2f0c3e-5a1b-4c1e-9e7f-0a1b2c3d4e5f';
export const BINDING = '0b9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c';
