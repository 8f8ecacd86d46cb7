import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { ConnectionOutcome } from './check-tls.js';

/**
 * A TLS handshake with a database, verified as the broker verifies (the chain against the trusted
 * authorities, and the host name), without logging in: no password is sent and no failed login
 * lands in the database's log. PostgreSQL asks for TLS with its SSLRequest message; MySQL and
 * MariaDB with the SSL request packet that answers the server's greeting.
 */

export interface ProbeTarget {
  engine: string;
  host: string;
  port: number;
  /** PEM of the trusted authorities; undefined: Node.js's built-in ones, as the broker then uses. */
  ca?: string;
  timeoutMs: number;
}

/** PostgreSQL's SSLRequest: length 8, code 80877103. */
const PG_SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

// MySQL capability flags of the SSL request packet.
const CLIENT_LONG_PASSWORD = 0x1;
const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_SSL = 0x800;
const CLIENT_SECURE_CONNECTION = 0x8000;
const CLIENT_PLUGIN_AUTH = 0x80000;

class NoTls extends Error {}

function openSocket(target: ProbeTarget): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: target.host, port: target.port });
    socket.setTimeout(target.timeoutMs, () => socket.destroy(new Error(`no answer within ${target.timeoutMs} ms`)));
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Reads until `enough` says the bytes so far are a whole answer. */
function readUntil(socket: Socket, enough: (data: Buffer) => number | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const length = enough(data);
      if (length === undefined) return;
      socket.off('data', onData);
      socket.off('error', reject);
      socket.off('close', onClose);
      socket.pause();
      resolve(data.subarray(0, length));
    };
    const onClose = () => reject(new Error('the server closed the connection before TLS began'));
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', onClose);
  });
}

async function askPostgres(socket: Socket): Promise<void> {
  socket.write(PG_SSL_REQUEST);
  const answer = await readUntil(socket, (data) => (data.length >= 1 ? 1 : undefined));
  if (answer[0] !== 0x53) throw new NoTls('the server does not offer TLS (it answered the SSL request with N)');
}

async function askMysql(socket: Socket): Promise<void> {
  const greeting = await readUntil(socket, (data) =>
    data.length >= 4 && data.length >= 4 + data.readUIntLE(0, 3) ? 4 + data.readUIntLE(0, 3) : undefined,
  );
  const payload = greeting.subarray(4);
  if (payload[0] === 0xff) throw new Error(`the server refused the connection: ${payload.subarray(3).toString('utf8')}`);
  // Protocol 10: version, NUL-terminated server version, thread id (4), scramble (8), filler (1), capabilities (2).
  const end = payload.indexOf(0, 1);
  const capabilities = end < 0 ? 0 : payload.readUInt16LE(end + 1 + 4 + 8 + 1);
  if ((capabilities & CLIENT_SSL) === 0) throw new NoTls('the server does not offer TLS (no CLIENT_SSL in its greeting)');
  const request = Buffer.alloc(4 + 32);
  request.writeUIntLE(32, 0, 3);
  request[3] = 1; // sequence id: the answer to the greeting
  request.writeUInt32LE(CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH, 4);
  request.writeUInt32LE(0x1000000, 8);
  request[12] = 45; // utf8mb4_general_ci
  socket.write(request);
}

function handshake(socket: Socket, target: ProbeTarget): Promise<void> {
  socket.setTimeout(0);
  return new Promise((resolve, reject) => {
    const secure = connectTls({
      socket,
      host: target.host,
      ...(isIP(target.host) ? {} : { servername: target.host }),
      ...(target.ca !== undefined ? { ca: target.ca } : {}),
      rejectUnauthorized: true,
    });
    secure.setTimeout(target.timeoutMs, () => secure.destroy(new Error(`no TLS handshake within ${target.timeoutMs} ms`)));
    secure.once('secureConnect', () => {
      secure.destroy();
      resolve();
    });
    secure.once('error', (error) => {
      secure.destroy();
      reject(error);
    });
  });
}

export async function probeTls(target: ProbeTarget): Promise<ConnectionOutcome> {
  const ask = target.engine === 'postgres' ? askPostgres : target.engine === 'mysql' || target.engine === 'mariadb' ? askMysql : undefined;
  if (!ask) return { state: 'not-checked', reason: `no TLS check for engine ${target.engine}` };
  let socket: Socket;
  try {
    socket = await openSocket(target);
  } catch (error) {
    return { state: 'unreachable', reason: describe(error) };
  }
  try {
    await ask(socket);
  } catch (error) {
    socket.destroy();
    return error instanceof NoTls ? { state: 'refused', reason: error.message } : { state: 'unreachable', reason: describe(error) };
  }
  try {
    await handshake(socket, target);
    return { state: 'verified' };
  } catch (error) {
    return { state: 'refused', reason: describe(error) };
  }
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const message = e?.message ?? String(error);
  return e?.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}
