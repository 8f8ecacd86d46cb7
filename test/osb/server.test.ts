import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { BrokerResponse } from '../../src/broker/contract.js';
import { stopOnSignal, tlsOptions } from '../../src/server/index.js';
import { captureLog, request, startTestServer, type TestServer } from '../support/http.js';
import { INSTANCE, RecordingBroker, testConfig } from './fixtures.js';

/** A promise with its resolver outside: lets a test decide when the fake broker answers. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('HTTP server', () => {
  describe('health and readiness', () => {
    let server: TestServer;
    let broker: RecordingBroker;
    beforeEach(async () => {
      broker = new RecordingBroker();
      server = await startTestServer({ config: testConfig(), broker });
    });
    afterEach(() => server.close());

    it('/healthz answers while the process is up', async () => {
      const res = await request(`${server.url}/healthz`);
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal({ status: 'ok' });
    });

    it('/readyz follows broker.ready()', async () => {
      expect((await request(`${server.url}/readyz`)).status).to.equal(200);
      broker.isReady = false;
      const notReady = await request(`${server.url}/readyz`);
      expect(notReady.status).to.equal(503);
      expect(notReady.json.status).to.equal('not ready');
    });

    it('/readyz names a recent database TLS failure in its detail and stays ready (TLS is not RDS reachability)', async () => {
      expect((await request(`${server.url}/readyz`)).json).to.deep.equal({ status: 'ready' });
      broker.tlsReport = {
        host: 'db1.abc.eu-west-1.rds.amazonaws.com',
        port: 5432,
        engine: 'postgres',
        failure: 'certificate',
        reason: 'self-signed certificate in certificate chain',
        at: new Date('2026-06-01T10:00:00Z'),
      };
      const res = await request(`${server.url}/readyz`);
      expect(res.status).to.equal(200);
      expect(res.json.status).to.equal('ready');
      expect(res.json.database_tls).to.include({
        status: 'failing',
        host: 'db1.abc.eu-west-1.rds.amazonaws.com',
        port: 5432,
        engine: 'postgres',
        failure: 'certificate',
        reason: 'self-signed certificate in certificate chain',
        last_failure_at: '2026-06-01T10:00:00.000Z',
      });
      expect(res.json.database_tls.description).to.contain('database.tls.caBundleFile');
      broker.isReady = false;
      const notReady = await request(`${server.url}/readyz`);
      expect(notReady.status).to.equal(503);
      expect(notReady.json.database_tls.host).to.equal('db1.abc.eu-west-1.rds.amazonaws.com');
    });
  });

  describe('requests the HTTP parser refuses', () => {
    let server: TestServer;
    beforeEach(async () => (server = await startTestServer({ config: testConfig(), broker: new RecordingBroker() })));
    afterEach(() => server.close());

    /** Writes raw bytes on a fresh TCP connection and returns everything the server sends back. */
    const raw = (bytes: string) =>
      new Promise<string>((resolve, reject) => {
        const { port } = new URL(server.url);
        const socket = connect(Number(port), '127.0.0.1', () => socket.end(bytes));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk));
        socket.on('error', reject);
        socket.on('close', () => resolve(answer));
      });

    it('answers garbage with a 400 and an OSB body, and keeps serving', async () => {
      const answer = await raw('NOT HTTP AT ALL\r\n\r\n');
      expect(answer).to.match(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).to.deep.equal({ description: 'malformed HTTP request' });
      expect((await request(`${server.url}/healthz`)).status).to.equal(200);
    });

    it('answers oversized headers with a 431 and an OSB body', async () => {
      const answer = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(answer).to.match(/^HTTP\/1\.1 431 /);
      expect(answer).to.contain('"description":"request headers are too large"');
    });
  });

  describe('graceful shutdown', () => {
    it('stops accepting, lets the request in flight finish, then closes', async () => {
      const broker = new RecordingBroker();
      const started = deferred<void>();
      const release = deferred<BrokerResponse>();
      broker.responses.fetchInstance = () => {
        started.resolve();
        return release.promise;
      };
      const server = await startTestServer({ config: testConfig(), broker });
      const inFlight = server.client.get(`/v2/service_instances/${INSTANCE}`);
      await started.promise;

      let closed = false;
      const closing = server.close().then(() => (closed = true));
      const refused = await request(`${server.url}/healthz`).then(
        () => 'answered',
        (error: NodeJS.ErrnoException) => error.code,
      );
      expect(refused).to.equal('ECONNREFUSED');
      expect(closed).to.equal(false);

      release.resolve({ status: 200, body: { service_id: 'finished-late' } });
      const res = await inFlight;
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal({ service_id: 'finished-late' });
      await closing;
      expect(closed).to.equal(true);
    });

    it('cuts requests still running after listen.shutdownTimeoutMs, so a stop always ends', async () => {
      const broker = new RecordingBroker();
      const started = deferred<void>();
      broker.responses.fetchInstance = () => {
        started.resolve();
        return new Promise<BrokerResponse>(() => {}); // never answers
      };
      const config = testConfig((doc) => (doc.listen.shutdownTimeoutMs = 100));
      const server = await startTestServer({ config, broker });
      const inFlight = server.client.get(`/v2/service_instances/${INSTANCE}`).then(
        (res) => `status ${res.status}`,
        (error: NodeJS.ErrnoException) => error.code,
      );
      await started.promise;
      await server.close();
      expect(await inFlight).to.equal('ECONNRESET');
    });
  });

  describe('stopOnSignal', () => {
    it('on SIGTERM stops the server, then the broker, once, and resolves', async () => {
      // Signals come from an emitter of the test's own: emitting on `process` would reach every
      // listener other modules installed in this mocha process.
      const signals = new EventEmitter();
      const order: string[] = [];
      const serverStopped = deferred<void>();
      const { log, lines } = captureLog();
      const stopped = stopOnSignal(
        {
          log,
          stopServer: () => {
            order.push('server');
            return serverStopped.promise;
          },
          stopBroker: async () => {
            order.push('broker');
          },
        },
        signals,
      );
      signals.emit('SIGTERM', 'SIGTERM');
      signals.emit('SIGTERM', 'SIGTERM'); // a second signal while stopping changes nothing
      expect(order).to.deep.equal(['server']);
      serverStopped.resolve();
      expect(await stopped).to.equal('SIGTERM');
      expect(order).to.deep.equal(['server', 'broker']);
      expect(lines().map((l) => l.msg)).to.include('already shutting down');
      expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT')).to.equal(0);
    });
  });

  describe('TLS', () => {
    let dir: string;
    let cert: Buffer;

    before(function () {
      try {
        execFileSync('openssl', ['version'], { stdio: 'ignore' });
      } catch {
        console.log('      skipped: the openssl command is not installed, so no test certificate can be made');
        this.skip();
      }
      dir = mkdtempSync(join(tmpdir(), 'rds-broker-tls-'));
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      cert = readFileSync(join(dir, 'cert.pem'));
    });
    after(() => dir && rmSync(dir, { recursive: true, force: true }));

    it('requires TLS 1.2 or later', () => {
      expect(tlsOptions({ certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') }).minVersion).to.equal('TLSv1.2');
    });

    it('serves HTTPS with the configured certificate and key, and refuses TLS 1.1', async () => {
      const config = testConfig((doc) => (doc.listen.tls = { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') }));
      const server = await startTestServer({ config, broker: new RecordingBroker(), ca: cert });
      try {
        expect(server.url).to.match(/^https:\/\//);
        const catalog = await server.client.get('/v2/catalog');
        expect(catalog.status).to.equal(200);
        const tls12 = await request(`${server.url}/healthz`, { ca: cert, tls: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } });
        expect(tls12.status).to.equal(200);
        const tls11 = await request(`${server.url}/healthz`, {
          ca: cert,
          tls: { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' },
        }).then(
          () => 'connected',
          () => 'refused',
        );
        expect(tls11).to.equal('refused');
        const plain = await request(`${server.url.replace('https:', 'http:')}/healthz`).then(
          (res) => `status ${res.status}`,
          () => 'refused',
        );
        expect(plain).not.to.equal('status 200');
      } finally {
        await server.close();
      }
    });
  });
});
