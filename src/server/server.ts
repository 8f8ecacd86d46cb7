import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Broker } from '../broker/contract.js';
import type { Config } from '../config/load.js';
import { createApp } from './app.js';

export interface StartOptions {
  config: Config;
  broker: Broker;
  log: Logger;
  /** Clock for the failed-authentication limiter; tests pass their own. */
  now?: () => number;
}

export interface RunningServer {
  url: string;
  port: number;
  /**
   * Graceful stop: accept nothing new, let requests in flight finish within
   * listen.shutdownTimeoutMs, then cut whatever is left. Resolves when the server is closed.
   */
  close(): Promise<void>;
}

/** TLS settings for the listener: the configured certificate and key, TLS 1.2 at least. */
export function tlsOptions(tls: { certFile: string; keyFile: string }): HttpsOptions {
  return { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), minVersion: 'TLSv1.2' };
}

/** A complete HTTP response with an OSB error body, written straight to a socket. Pure. */
function rawErrorResponse(status: number, reason: string, description: string): string {
  const body = JSON.stringify({ description });
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** A complete HTTP response for a request the parser refused. Pure. */
export function parserErrorResponse(code: string | undefined): string {
  const [status, reason, description] =
    code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'request headers are too large']
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'the request was not received in time']
        : [400, 'Bad Request', 'malformed HTTP request'];
  return rawErrorResponse(status, reason, description);
}

/** CONNECT never reaches Koa, and Node closes it unanswered unless someone listens. Pure. */
export const connectResponse = () => rawErrorResponse(405, 'Method Not Allowed', 'this broker does not support the CONNECT method');

function formatUrl(scheme: string, host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `${scheme}://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

export async function startServer({ config, broker, log, now }: StartOptions): Promise<RunningServer> {
  const app = createApp({ config, broker, log, ...(now ? { now } : {}) });
  const handler = app.callback();
  const server: Server = config.listen.tls ? createHttpsServer(tlsOptions(config.listen.tls), handler) : createHttpServer(handler);
  // A slow or stalled client must not hold a connection forever (slowloris).
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;

  // Requests in flight per socket: during shutdown a keep-alive socket is ended as soon as its last
  // response is out, rather than left open for the client's next request.
  const inFlight = new Map<Socket, number>();
  server.on('request', (req, res) => {
    const socket = req.socket;
    if (!inFlight.has(socket)) socket.once('close', () => inFlight.delete(socket));
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (closing && left === 0) socket.end();
    });
  });
  // Requests Node's HTTP parser refuses never reach Koa: answer them with an OSB error body too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    log.debug({ code: error.code }, 'malformed HTTP from a client');
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    socket.end(parserErrorResponse(error.code));
  });
  // Requests Node answers itself, before Koa, would otherwise get no body (an Expect other than
  // 100-continue: an empty 417) or no answer at all (CONNECT): give them OSB error bodies too.
  server.on('checkExpectation', (_req, res) => {
    res.writeHead(417, { 'Content-Type': 'application/json; charset=utf-8', Connection: 'close' });
    res.end(JSON.stringify({ description: 'the Expect header of this request is not supported; only 100-continue is' }));
  });
  server.on('connect', (_req, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    // Whatever the client still sends is read and dropped (bounded in time): closing with unread
    // data would reset the connection, and the client could lose the answer.
    socket.resume();
    socket.setTimeout(10_000, () => socket.destroy());
    socket.end(connectResponse());
  });
  let closing = false;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = formatUrl(config.listen.tls ? 'https' : 'http', config.listen.host, port);

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      closing = true;
      const timer = setTimeout(() => {
        log.warn({ timeoutMs: config.listen.shutdownTimeoutMs }, 'shutdown timeout: closing connections with requests still in flight');
        server.closeAllConnections();
      }, config.listen.shutdownTimeoutMs);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      // Idle keep-alive connections would otherwise keep server.close() waiting.
      server.closeIdleConnections();
    });
    return closed;
  };
  return { url, port, close };
}
