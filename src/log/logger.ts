import { pino, stdTimeFunctions, type DestinationStream, type Level, type Logger } from 'pino';

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
const secretContainers = ['credentials'];

/** Logged objects are shallow by habit; four levels deep covers request, error and AWS shapes. */
const depthPrefixes = ['', '*.', '*.*.', '*.*.*.'];

export const redactPaths: string[] = [
  ...depthPrefixes.flatMap((prefix) => secretKeys.map((key) => `${prefix}${key}`)),
  ...depthPrefixes.slice(0, 3).flatMap((prefix) => secretContainers.map((key) => `${prefix}${key}.*`)),
  ...depthPrefixes.slice(0, 3).map((prefix) => `${prefix}derivationSecrets[*].value`),
];

export const redactedText = '[redacted]';

/**
 * The one way the product makes a logger: JSON lines with ISO timestamps and level names.
 * `destination` defaults to standard output; tests pass a stream to read what was logged.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: redactPaths, censor: redactedText },
  };
  return destination ? pino(options, destination) : pino(options);
}
