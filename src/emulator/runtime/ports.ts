/** Free TCP ports on 127.0.0.1 for database servers. */
import { createServer } from 'node:net';

const handedOut = new Set<number>();

function probe(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/** A port nothing listens on now and that this process has not handed out before. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await probe(0);
    if (port !== undefined && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free TCP port found on 127.0.0.1');
}

/** Whether `port` can be bound now (a restarted emulator reuses its instances' ports). */
export async function isFree(port: number): Promise<boolean> {
  return (await probe(port)) !== undefined;
}
