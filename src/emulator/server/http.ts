/**
 * The emulator's HTTP front door on 127.0.0.1: the RDS Query API (POST form bodies, or GET with
 * a query string) at any other path, and the admin API under /_emulator/.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errorEnvelope } from '../api/xml.js';
import { handleAdmin, type AdminControls } from './admin.js';
import type { QueryApi } from './query-api.js';

/** RDS requests are small; anything bigger is not one. */
const MAX_QUERY_BODY = 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_QUERY_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function handleQuery(req: IncomingMessage, res: ServerResponse, url: URL, api: QueryApi): Promise<void> {
  let search = url.searchParams;
  if (req.method === 'POST') {
    const body = await readBody(req);
    if (body === undefined) {
      const xml = errorEnvelope(
        'Sender',
        'RequestEntityTooLarge',
        'The request body is too large.',
        '00000000-0000-0000-0000-000000000000',
      );
      res.writeHead(413, { 'content-type': 'text/xml', connection: 'close' });
      res.end(xml);
      return;
    }
    // Form parameters; query-string parameters count too when the body does not repeat them.
    search = new URLSearchParams(body);
    for (const [key, value] of url.searchParams) if (!search.has(key)) search.append(key, value);
  } else if (req.method !== 'GET') {
    res.writeHead(405, { allow: 'GET, POST', 'content-type': 'text/plain' });
    res.end('Method Not Allowed\n');
    return;
  }
  const auth = req.headers.authorization;
  const answer = await api.handle(search, Array.isArray(auth) ? auth[0] : auth);
  res.writeHead(answer.status, {
    'content-type': 'text/xml',
    'x-amzn-requestid': answer.requestId,
    'content-length': Buffer.byteLength(answer.body),
  });
  res.end(answer.body);
}

export function createEmulatorServer(api: QueryApi, admin: AdminControls, log: (line: string) => void): Server {
  const server = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://emulator.invalid');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('Bad Request\n');
      return;
    }
    const work = url.pathname.startsWith('/_emulator/') ? handleAdmin(req, res, url.pathname, admin) : handleQuery(req, res, url, api);
    work.catch((err: unknown) => {
      log(`request failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    });
  });
  // Polling clients keep connections open; the SDK reuses them.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}
