import { pino, stdSerializers, stdTimeFunctions, type DestinationStream, type Level, type Logger } from 'pino';

import { currentLogContext } from './context.js';

export type { Logger } from 'pino';
export type LogLevel = Level | 'silent';

/**
 * Field names whose values are secret wherever they appear. Redaction is done by the logger itself,
 * so a careless `log.info({ something })` cannot leak them: no call site has to remember.
 */
const secretKeys = [
  'password',
  'Password',
  'passwd',
  'secret',
  'Secret',
  'secretAccessKey',
  'SecretAccessKey',
  'sessionToken',
  'SessionToken',
  'masterPassword',
  'MasterUserPassword',
  'masterUserPassword',
  'authorization',
  'Authorization',
  'cookie',
  'token',
  'accessToken',
  'privateKey',
  'uri',
  'jdbcUrl',
  'jdbc_url',
  'jdbcUri',
  'connectionString',
  'connection_string',
  'sslkey',
];

/** Objects whose every field is secret: binding credentials, derivation secrets, AWS keys. */
const secretContainers = new Set(['credentials']);
const secretKeySet = new Set(secretKeys);

/** Logged objects are shallow by habit; four levels deep covers request, error and AWS shapes. */
const MAX_DEPTH = 4;

export const redactedText = '[redacted]';

/**
 * Secrets out of a logged value by field name, in one walk that copies only along the paths that
 * hold a secret: the common line, with no secret anywhere, costs a few key lookups. (Pino's own
 * path-based redaction, with a wildcard path per key and depth, cost about 30 times as much per line,
 * and one line is written for every poll.)
 */
function scrub(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (value instanceof Error) return scrub(stdSerializers.err(value), depth);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = scrub(value[i], depth + 1);
      if (next !== value[i]) (copy ??= value.slice())[i] = next;
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const field = record[key];
    let next: unknown;
    if (secretKeySet.has(key)) next = field === undefined ? field : redactedText;
    else if (secretContainers.has(key) && field !== null && typeof field === 'object')
      next = Object.fromEntries(Object.keys(field).map((k) => [k, redactedText]));
    else if (key === 'derivationSecrets' && Array.isArray(field))
      next = field.map((s) => (s && typeof s === 'object' ? { ...s, value: redactedText } : s));
    else next = scrub(field, depth + 1);
    if (next !== field) (copy ??= { ...record })[key] = next;
  }
  return copy ?? value;
}

function withoutBound(context: Readonly<Record<string, unknown>>, logger: Logger): Record<string, unknown> {
  const keys = Object.keys(context);
  if (keys.length === 0) return {};
  const bound = logger.bindings();
  const out: Record<string, unknown> = {};
  for (const key of keys) if (!(key in bound)) out[key] = context[key];
  return out;
}

/**
 * The one way the product makes a logger: JSON lines with ISO timestamps and level names, secrets
 * redacted by field name wherever they appear. `destination` defaults to standard output; tests pass a
 * stream to read what was logged.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    timestamp: stdTimeFunctions.isoTime,
    // The request or job this line belongs to (log/context.ts), on every line whichever logger wrote it.
    // A logger that already binds a field (a request's own child logger) keeps it once.
    mixin: (_merge: object, _level: number, logger: Logger) => withoutBound(currentLogContext(), logger),
    formatters: {
      level: (label: string) => ({ level: label }),
      log: (object: Record<string, unknown>) => scrub(object, 0) as Record<string, unknown>,
    },
    // Errors are serialized (and scrubbed) by the walk above.
    serializers: { err: (error: unknown) => error },
  };
  const root = destination ? pino(options, destination) : pino(options);
  // Pino passes child bindings through no formatter: scrub them on the way in. Children are made
  // from their parent's prototype, so every descendant inherits this method.
  const childOf = root.child;
  root.child = function scrubbedChild(this: Logger, bindings: Record<string, unknown>, childOptions?: Parameters<Logger['child']>[1]) {
    return childOf.call(this, scrub(bindings, 0) as Record<string, unknown>, childOptions);
  } as Logger['child'];
  return root;
}
