import { Router } from '@koa/router';
import type { Broker, BrokerResponse, RequestContext } from '../broker/contract.js';
import { buildCatalog, precompileParameterValidators } from '../catalog/index.js';
import { jsonBody } from './middleware/json-body.js';
import * as requests from './requests.js';
import type { OsbContext, OsbState } from './state.js';

function requestContext(ctx: OsbContext): RequestContext {
  // The request's own logger carries its ID and identity even on lines written after the request.
  const log = ctx.state.log.child({ requestId: ctx.state.requestId, ...(ctx.state.identity ? { identity: ctx.state.identity } : {}) });
  const context: RequestContext = { requestId: ctx.state.requestId, log, apiVersion: ctx.state.apiVersion ?? '' };
  if (ctx.state.identity) context.identity = ctx.state.identity;
  return context;
}

/** Writes a broker answer; Retry-After tells a polling platform when to come back. */
function reply(ctx: OsbContext, response: BrokerResponse): void {
  ctx.status = response.status;
  ctx.body = response.body;
  if (response.retryAfterSeconds !== undefined && Number.isFinite(response.retryAfterSeconds) && response.retryAfterSeconds >= 0) {
    ctx.set('Retry-After', String(Math.ceil(response.retryAfterSeconds)));
  }
}

function body(ctx: OsbContext): Record<string, unknown> {
  // jsonBody runs before every PUT and PATCH handler, so a body is always there.
  return ctx.state.body ?? {};
}

/** Every OSB 2.17 endpoint, each a thin mapping: validate into a typed request, ask the broker, reply. */
export function osbRouter(config: requests.CatalogConfig, broker: Broker, bodyLimitBytes: number): Router<OsbState> {
  const router = new Router<OsbState>();
  const catalog = buildCatalog(config);
  precompileParameterValidators(config.catalog.services);
  // Bodies are read only on routes that take one, so a wrong method or path is a 405/404, not a 400.
  const json = jsonBody(bodyLimitBytes);
  const instance = '/v2/service_instances/:instance_id';
  const binding = `${instance}/service_bindings/:binding_id`;
  const param = (ctx: OsbContext, name: string) => (ctx as unknown as { params: Record<string, string> }).params[name] ?? '';
  const query = (ctx: OsbContext) => ctx.query as requests.Query;

  router.get('/v2/catalog', (ctx) => {
    ctx.body = catalog;
  });

  router.put(instance, json, async (ctx) => {
    const request = requests.provisionRequest(config, param(ctx, 'instance_id'), query(ctx), body(ctx));
    reply(ctx, await broker.provision(request, requestContext(ctx)));
  });
  router.patch(instance, json, async (ctx) => {
    const request = requests.updateRequest(config, param(ctx, 'instance_id'), query(ctx), body(ctx));
    reply(ctx, await broker.update(request, requestContext(ctx)));
  });
  router.delete(instance, async (ctx) => {
    const request = requests.deprovisionRequest(config, param(ctx, 'instance_id'), query(ctx));
    reply(ctx, await broker.deprovision(request, requestContext(ctx)));
  });
  router.get(instance, async (ctx) => {
    const request = requests.fetchInstanceRequest(config, param(ctx, 'instance_id'), query(ctx));
    reply(ctx, await broker.fetchInstance(request, requestContext(ctx)));
  });
  router.get(`${instance}/last_operation`, async (ctx) => {
    const request = requests.lastOperationRequest(config, param(ctx, 'instance_id'), query(ctx));
    reply(ctx, await broker.lastOperation(request, requestContext(ctx)));
  });

  router.put(binding, json, async (ctx) => {
    const request = requests.bindRequest(config, param(ctx, 'instance_id'), param(ctx, 'binding_id'), body(ctx));
    reply(ctx, await broker.bind(request, requestContext(ctx)));
  });
  router.delete(binding, async (ctx) => {
    const request = requests.unbindRequest(config, param(ctx, 'instance_id'), param(ctx, 'binding_id'), query(ctx));
    reply(ctx, await broker.unbind(request, requestContext(ctx)));
  });
  router.get(binding, async (ctx) => {
    const request = requests.fetchBindingRequest(config, param(ctx, 'instance_id'), param(ctx, 'binding_id'), query(ctx));
    reply(ctx, await broker.fetchBinding(request, requestContext(ctx)));
  });
  router.get(`${binding}/last_operation`, async (ctx) => {
    const request = requests.bindingLastOperationRequest(config, param(ctx, 'instance_id'), param(ctx, 'binding_id'), query(ctx));
    reply(ctx, await broker.bindingLastOperation(request, requestContext(ctx)));
  });
  return router;
}
