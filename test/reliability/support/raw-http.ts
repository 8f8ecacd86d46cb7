import { connect } from 'node:net';

/**
 * HTTP/1.1 written byte by byte onto a fresh TCP connection: what a hostile client can send and
 * Node's own client refuses to (control characters and raw UTF-8 in paths and headers, repeated
 * headers in any order, unknown methods). The response is read back with a minimal parser that
 * understands what a Node server may answer (Content-Length, chunked, or close-delimited).
 */

export interface RawRequest {
  method: string;
  /** Sent exactly as given, bytes included. */
  target: string;
  /** In order, repeats allowed. */
  headers: Array<[string, string]>;
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: unknown;
}

export function encodeRequest(request: RawRequest): Buffer {
  const lines = [`${request.method} ${request.target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  if (request.body !== undefined) lines.push(`Content-Length: ${request.body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
  return request.body ? Buffer.concat([head, request.body]) : head;
}

function parseHead(head: string): { status: number; headers: Record<string, string> } {
  const [statusLine, ...rest] = head.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
  if (!match) throw new Error(`not an HTTP response: ${JSON.stringify((statusLine ?? '').slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of rest) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(match[1]), headers };
}

function dechunk(body: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) throw new Error('malformed chunked body');
    if (size === 0) return Buffer.concat(parts);
    if (body.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** Sends one request and resolves with the response; rejects when none arrives within the bound. */
export function rawRequest(port: number, request: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
  const bytes = encodeRequest(request);
  const bodiless = request.method === 'HEAD';
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error: Error | undefined, response?: RawResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(response!);
    };
    const timer = setTimeout(
      () => finish(new Error(`no complete response within ${timeoutMs} ms to ${request.method} ${request.target.slice(0, 120)}`)),
      timeoutMs,
    );
    const tryParse = (ended: boolean) => {
      const all = Buffer.concat(chunks);
      const headEnd = all.indexOf('\r\n\r\n');
      if (headEnd < 0) {
        if (ended)
          finish(
            new Error(`connection closed without a response (${all.length} bytes) to ${request.method} ${request.target.slice(0, 120)}`),
          );
        return;
      }
      try {
        const { status, headers } = parseHead(all.subarray(0, headEnd).toString('latin1'));
        const rest = all.subarray(headEnd + 4);
        let body: Buffer | undefined;
        if (bodiless || status === 204 || status === 304) body = Buffer.alloc(0);
        else if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) body = dechunk(rest);
        else if (headers['content-length'] !== undefined) {
          const length = Number(headers['content-length']);
          if (rest.length >= length) body = rest.subarray(0, length);
        } else if (ended) body = rest;
        if (body === undefined) {
          if (ended) finish(new Error(`response body cut short (status ${status})`));
          return;
        }
        const text = body.toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        finish(undefined, { status, headers, text, json });
      } catch (error) {
        finish(error as Error);
      }
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('close', () => tryParse(true));
    // The server may answer and close before reading a large upload: a reset after the answer is fine.
    socket.on('error', (error) => {
      if (chunks.length > 0) tryParse(true);
      else finish(error);
    });
    socket.write(bytes);
  });
}
