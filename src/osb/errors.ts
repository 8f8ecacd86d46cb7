import { BrokerError, type OsbErrorCode } from '../broker/contract.js';

/**
 * Errors the front end raises itself (bad request, auth, version…): a BrokerError, so every error
 * leaves through the same renderer, plus the response headers some of them need.
 */
export class OsbHttpError extends BrokerError {
  constructor(status: number, description: string, headers: Record<string, string> = {}, code?: OsbErrorCode) {
    super(status, description, code, {}, headers);
  }
}

export const badRequest = (description: string) => new OsbHttpError(400, description);

export const asyncRequired = () =>
  new OsbHttpError(
    422,
    'This broker works asynchronously: RDS operations take minutes. Send the request with accepts_incomplete=true.',
    {},
    'AsyncRequired',
  );

/** The OSB error body: `{"error"?: code, "description": …}` plus any fields the broker added. */
export function errorBody(error: BrokerError): Record<string, unknown> {
  const body: Record<string, unknown> = { ...error.extra };
  if (error.code) body.error = error.code;
  body.description = error.description || 'request failed';
  return body;
}

/** Shortens text from a request before quoting it in an error description. */
export function quote(value: string, max = 64): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
