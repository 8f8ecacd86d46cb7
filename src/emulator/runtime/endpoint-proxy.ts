/**
 * A cluster's endpoints: the writer endpoint (127.0.0.1) and the reader endpoint (127.0.0.2) on
 * the cluster's one port, as Aurora gives both the same port under two names. Each connection is
 * passed through, bytes untouched (TLS included: the member's server certificate covers both
 * addresses), to a member chosen when it arrives — the writer, or the next reader in turn (the
 * writer when there is no reader, as Aurora's reader endpoint does).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export const WRITER_HOST = '127.0.0.1';
export const READER_HOST = '127.0.0.2';

export interface EndpointTargets {
  /** The port to reach for a new connection, or undefined when no member can take it. */
  writer(): number | undefined;
  readers(): number[];
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export class ClusterEndpoints {
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private next = 0;

  private constructor(
    readonly port: number,
    private readonly targets: EndpointTargets,
  ) {}

  /** Listen on both addresses; `port` 0 picks one free on both. */
  static async open(port: number, targets: EndpointTargets): Promise<ClusterEndpoints> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const writer = createServer();
      try {
        await listen(writer, WRITER_HOST, port);
      } catch (error) {
        writer.close();
        throw error;
      }
      const bound = (writer.address() as { port: number }).port;
      const reader = createServer();
      try {
        await listen(reader, READER_HOST, bound);
      } catch (error) {
        writer.close();
        reader.close();
        // A port picked for us may be taken on the other address: pick again. A given one is final.
        if (port === 0 && (error as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        throw error;
      }
      const endpoints = new ClusterEndpoints(bound, targets);
      endpoints.attach(writer, () => targets.writer());
      endpoints.attach(reader, () => endpoints.pickReader());
      return endpoints;
    }
    throw new Error(`no port free on both ${WRITER_HOST} and ${READER_HOST}`);
  }

  private pickReader(): number | undefined {
    const readers = this.targets.readers();
    if (readers.length === 0) return this.targets.writer();
    this.next = (this.next + 1) % readers.length;
    return readers[this.next];
  }

  private attach(server: Server, target: () => number | undefined): void {
    this.servers.push(server);
    server.on('connection', (client) => {
      const port = target();
      if (port === undefined) {
        client.destroy();
        return;
      }
      const upstream = connect({ host: '127.0.0.1', port });
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        // Either side going away ends the other: a client sees the server's close as its own.
        socket.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
