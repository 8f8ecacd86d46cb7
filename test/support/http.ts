import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Broker } from '../../src/broker/contract.js';
import type { Config } from '../../src/config/load.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { startServer, type RunningServer } from '../../src/server/index.js';

/**
 * Helpers for tests that talk to the broker over real HTTP: a raw request function (any method,
 * header or body, even ones a well-behaved client would not send), an OSB client that adds the
 * version header and basic auth, a log capture, and a broker server started on a free port.
 */

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string | string[]>;
  /** A string or Buffer is sent as is; anything else as JSON with Content-Type application/json. */
  body?: unknown;
  /** PEM authority for https URLs. */
  ca?: string | Buffer;
  /** Extra TLS options for https URLs (e.g. maxVersion). */
  tls?: Record<string, unknown>;
}

/**
 * One request on a fresh connection (no agent, no pooling), resolving with the whole response.
 * The path is sent exactly as written (no dot-segment or percent normalisation), so tests can send
 * what a hostile client would.
 */
export function request(url: string, options: RequestOptions = {}): Promise<HttpResponse> {
  const origin = /^(https?:\/\/[^/]+)(\/.*)?$/.exec(url);
  if (!origin) throw new Error(`not an absolute http(s) URL: ${url}`);
  const base = new URL(origin[1]!);
  const target = { protocol: base.protocol, hostname: base.hostname.replace(/^\[|\]$/g, ''), port: base.port, path: origin[2] ?? '/' };
  const headers: Record<string, string | string[]> = { ...(options.headers ?? {}) };
  let payload: Buffer | undefined;
  if (options.body !== undefined) {
    if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) payload = Buffer.from(options.body as string | Buffer);
    else {
      payload = Buffer.from(JSON.stringify(options.body));
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    }
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-length' || h.toLowerCase() === 'transfer-encoding')) {
      headers['Content-Length'] = String(payload.length);
    }
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        ...target,
        method: options.method ?? 'GET',
        headers,
        agent: false,
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.tls ?? {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    // A server may answer (413) before the whole upload is sent; the response still arrives.
    req.on('socket', (socket) => socket.on('error', () => {}));
    if (payload) req.end(payload);
    else req.end();
  });
}

export interface Credentials {
  username: string;
  password: string;
}

export const basicAuth = ({ username, password }: Credentials) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/** An OSB platform's requests: X-Broker-API-Version and basic auth on every call. */
export class OsbClient {
  constructor(
    readonly baseUrl: string,
    readonly credentials: Credentials,
    readonly apiVersion = '2.17',
    readonly ca?: string | Buffer,
  ) {}

  call(method: string, path: string, options: Omit<RequestOptions, 'method'> = {}): Promise<HttpResponse> {
    const headers = { 'X-Broker-API-Version': this.apiVersion, Authorization: basicAuth(this.credentials), ...(options.headers ?? {}) };
    return request(`${this.baseUrl}${path}`, { ...options, method, headers, ...(this.ca ? { ca: this.ca } : {}) });
  }

  get(path: string, options?: Omit<RequestOptions, 'method'>) {
    return this.call('GET', path, options);
  }
  put(path: string, body: unknown, options: Omit<RequestOptions, 'method' | 'body'> = {}) {
    return this.call('PUT', path, { ...options, body });
  }
  patch(path: string, body: unknown, options: Omit<RequestOptions, 'method' | 'body'> = {}) {
    return this.call('PATCH', path, { ...options, body });
  }
  delete(path: string, options?: Omit<RequestOptions, 'method'>) {
    return this.call('DELETE', path, options);
  }
}

export interface CapturedLog {
  log: Logger;
  /** Every line logged so far, parsed. */
  lines(): Array<Record<string, any>>;
  /** Every line logged so far, as written. */
  text(): string;
}

/** A real pino logger (same redaction as production) writing into memory. */
export function captureLog(level: 'trace' | 'debug' | 'info' = 'debug'): CapturedLog {
  const written: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      written.push(chunk.toString());
      done();
    },
  });
  const log = createLogger(level, sink);
  const text = () => written.join('');
  return {
    log,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, any>),
  };
}

export interface TestServer extends RunningServer {
  client: OsbClient;
  captured: CapturedLog;
}

/**
 * Starts the real HTTP server on 127.0.0.1 and a free port, with the given broker behind it.
 * Call close() in an after/afterEach hook.
 */
export async function startTestServer(options: {
  config: Config;
  broker: Broker;
  now?: () => number;
  ca?: string | Buffer;
}): Promise<TestServer> {
  const captured = captureLog();
  const config: Config = { ...options.config, listen: { ...options.config.listen, host: '127.0.0.1', port: 0 } };
  const server = await startServer({ config, broker: options.broker, log: captured.log, ...(options.now ? { now: options.now } : {}) });
  const credentials = config.auth.credentials[0]!;
  return { ...server, captured, client: new OsbClient(server.url, credentials, '2.17', options.ca) };
}

export interface BrokerProcess {
  /** Base URL from the "listening" log line. */
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code (or the signal name when killed by one). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const brokerBin = join(repoRoot, 'bin', 'rds-broker.js');

/** Runs `bin/rds-broker.js` with `args` to completion: exit code and output. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = cleanEnv(),
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [brokerBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** The environment without the variables that would override a test's configuration. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!('BROKER_USERNAME' in extra)) delete env.BROKER_USERNAME;
  if (!('BROKER_PASSWORD' in extra)) delete env.BROKER_PASSWORD;
  return env;
}

/**
 * Starts `bin/rds-broker.js <args>` (e.g. serve --config FILE --port 0) as a real process and waits
 * for its "listening" log line. The caller must stop() it.
 */
export function startBrokerProcess(
  args: string[],
  env: NodeJS.ProcessEnv = cleanEnv(),
  timeoutMs = 30_000,
  cwd?: string,
): Promise<BrokerProcess> {
  const child = spawn(process.execPath, [brokerBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | string>((resolveExit) =>
    child.on('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown')),
  );
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the broker did not report listening within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /"url":"(https?:\/\/[^"]+)"[^\n]*listening/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolvePromise({ url: match[1]!, child, stdout: () => stdout, stderr: () => stderr, stop });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the broker exited (${code}) before listening\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });
}
