import type { Logger } from 'pino';

/**
 * The seam between the HTTP front end (osb/) and the use cases (broker/). osb/ parses, authenticates
 * and validates; it hands these typed requests over and writes back the typed answers. Nothing here
 * knows HTTP beyond status codes, which OSB defines per use case.
 */

export type OsbErrorCode = 'AsyncRequired' | 'ConcurrencyError' | 'RequiresApp' | 'MaintenanceInfoConflict';

/** An answer that is not a success: osb/ renders it as `{"error": code?, "description": …}`. */
export class BrokerError extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
    readonly code?: OsbErrorCode,
    readonly extra: Record<string, unknown> = {},
    /** Response headers the answer needs (Retry-After on a 503). */
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

export const badRequest = (description: string) => new BrokerError(400, description);
export const notFound = (description: string) => new BrokerError(404, description);
export const conflict = (description: string) => new BrokerError(409, description);
export const gone = (description = 'the resource does not exist') => new BrokerError(410, description);
export const concurrencyError = (description: string) => new BrokerError(422, description, 'ConcurrencyError');
export const maintenanceInfoConflict = (description: string) => new BrokerError(422, description, 'MaintenanceInfoConflict');

/** Who asked, from X-Broker-API-Originating-Identity: kept for audit logs, never trusted for access. */
export interface OriginatingIdentity {
  platform: string;
  value: Record<string, unknown>;
}

export interface RequestContext {
  requestId: string;
  identity?: OriginatingIdentity;
  /** A child logger already carrying request ID and identity. */
  log: Logger;
  apiVersion: string;
}

export interface MaintenanceInfo {
  version: string;
  description?: string;
}

export interface ProvisionRequest {
  instanceId: string;
  serviceId: string;
  planId: string;
  context: Record<string, unknown>;
  organizationGuid?: string;
  spaceGuid?: string;
  parameters: Record<string, unknown>;
  maintenanceInfo?: MaintenanceInfo;
}

export interface UpdateRequest {
  instanceId: string;
  serviceId: string;
  planId?: string;
  context: Record<string, unknown>;
  parameters: Record<string, unknown>;
  maintenanceInfo?: MaintenanceInfo;
  previousValues?: { serviceId?: string; planId?: string; organizationId?: string; spaceId?: string; maintenanceInfo?: MaintenanceInfo };
}

export interface DeprovisionRequest {
  instanceId: string;
  serviceId: string;
  planId: string;
}

export interface FetchInstanceRequest {
  instanceId: string;
  serviceId?: string;
  planId?: string;
}

export interface LastOperationRequest {
  instanceId: string;
  serviceId?: string;
  planId?: string;
  operation?: string;
}

export interface BindRequest {
  instanceId: string;
  bindingId: string;
  serviceId: string;
  planId: string;
  context: Record<string, unknown>;
  bindResource?: Record<string, unknown>;
  parameters: Record<string, unknown>;
  predecessorBindingId?: string;
}

export interface UnbindRequest {
  instanceId: string;
  bindingId: string;
  serviceId: string;
  planId: string;
}

export interface FetchBindingRequest {
  instanceId: string;
  bindingId: string;
  serviceId?: string;
  planId?: string;
}

export interface BindingLastOperationRequest extends FetchBindingRequest {
  operation?: string;
}

/** A successful answer: the OSB status code and JSON body, and when a poll should come back. */
export interface BrokerResponse {
  status: 200 | 201 | 202;
  body: Record<string, unknown>;
  retryAfterSeconds?: number;
}

/**
 * The use cases. Each either resolves with a BrokerResponse or rejects with a BrokerError; any other
 * rejection is a bug, which osb/ answers with a 500 that reveals nothing.
 * Requests reaching here are already validated: IDs match the ID alphabet, service and plan exist
 * in the catalog, parameters match the plan's schema for that request.
 */
export interface Broker {
  provision(request: ProvisionRequest, ctx: RequestContext): Promise<BrokerResponse>;
  update(request: UpdateRequest, ctx: RequestContext): Promise<BrokerResponse>;
  deprovision(request: DeprovisionRequest, ctx: RequestContext): Promise<BrokerResponse>;
  fetchInstance(request: FetchInstanceRequest, ctx: RequestContext): Promise<BrokerResponse>;
  lastOperation(request: LastOperationRequest, ctx: RequestContext): Promise<BrokerResponse>;
  bind(request: BindRequest, ctx: RequestContext): Promise<BrokerResponse>;
  unbind(request: UnbindRequest, ctx: RequestContext): Promise<BrokerResponse>;
  fetchBinding(request: FetchBindingRequest, ctx: RequestContext): Promise<BrokerResponse>;
  bindingLastOperation(request: BindingLastOperationRequest, ctx: RequestContext): Promise<BrokerResponse>;
  /** For /readyz: whether AWS answered recently. */
  ready(): boolean;
  /** For /readyz's detail: the last database TLS refusal, when it was recent. */
  databaseTls?(): DatabaseTlsReport | undefined;
}

/** A database that refused the broker for TLS: where, why (no secret: sql/ redacts), and when. */
export interface DatabaseTlsReport {
  host: string;
  port: number;
  engine: string;
  /** certificate (chain or host name did not verify), no-tls, or handshake. */
  failure: string;
  reason: string;
  at: Date;
}
