import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import {
  createSqlGateway,
  DatabaseAuthError,
  DatabaseTlsError,
  DatabaseUnreachableError,
  type BindingUserSpec,
  type DatabaseTarget,
} from '../../src/sql/index.js';
import { loginWorks, targetFor } from './support/clients.js';
import { freePort, startCluster, type TestCluster } from './support/postgresCluster.js';

const binding: BindingUserSpec = {
  username: 'rdsb_tls_probe',
  password: 'Tls-Probe-Password-1',
  readOnly: false,
  secretId: 'k1',
  bindingId: 'tls-probe',
};

/** The PostgreSQL SSLRequest: length 8, code 80877103. Anything after it would be a startup message. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, and it succeeded');
}

/**
 * A TCP listener that records what a client sends. It answers an SSLRequest with 'N' (no TLS here),
 * as a plain-text-only server would, and otherwise stays silent.
 */
async function recordingServer(
  answer: 'N' | 'silent',
): Promise<{ port: number; received: () => Promise<Buffer>; close: () => Promise<void> }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  let closed: () => void = () => undefined;
  const socketClosed = new Promise<void>((resolve) => (closed = resolve));
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (answer === 'N' && Buffer.concat(chunks).length === SSL_REQUEST.length) socket.write('N');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => closed());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return {
    port: address.port,
    received: async () => {
      await socketClosed;
      return Buffer.concat(chunks);
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('sql/ PostgreSQL TLS and connection errors (real PostgreSQL)', function () {
  this.timeout(120_000);
  const gateway = createSqlGateway();
  let cluster: TestCluster;
  let target: DatabaseTarget;

  async function brokerRoles(): Promise<string[]> {
    return cluster.asSuperuser(async (c) =>
      (await c.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE 'rdsb%'`)).rows.map((r) => r.rolname),
    );
  }

  before(async () => {
    // As RDS with rds.force_ssl = 1: TLS on, plain text refused by the server.
    cluster = await startCluster({ master: 'rds-like', database: 'app', acceptPlaintext: false });
    target = targetFor(cluster);
  });
  after(async () => {
    await cluster?.stop();
  });

  it('an authority that did not sign the server certificate: DatabaseTlsError naming host and reason, nothing created', async () => {
    const wrongCa = { ...target, tls: { caPem: cluster.otherCa.caPem, allowPlaintext: false } };
    const error = await rejection(gateway.ensureBindingUser(wrongCa, binding));
    expect(error).to.be.instanceOf(DatabaseTlsError);
    const tls = error as DatabaseTlsError;
    expect(tls.host).to.equal('127.0.0.1');
    expect(tls.tlsFailure).to.equal('certificate');
    expect(tls.message).to.include(`127.0.0.1:${cluster.port}`);
    expect(tls.message).to.include('certificate');
    expect(tls.message).not.to.include(cluster.masterPassword);
    // Every other entry point refuses the same way.
    for (const call of [
      () => gateway.listBindingUsers(wrongCa),
      () => gateway.findBindingUser(wrongCa, binding.username),
      () => gateway.dropBindingUser(wrongCa, binding.username),
      () => gateway.neutraliseBindingUsers(wrongCa, []),
      () => gateway.canLogin(wrongCa, cluster.masterUsername, cluster.masterPassword),
      () => gateway.ensureExtensions(wrongCa, ['citext']),
      () => gateway.dropExtensions(wrongCa, ['citext']),
    ]) {
      expect(await rejection(call())).to.be.instanceOf(DatabaseTlsError);
    }
    // Checked as the master with the right authority: no role, not even the shared ones.
    expect(await gateway.findBindingUser(target, binding.username)).to.equal(undefined);
    expect(await brokerRoles()).to.deep.equal([]);
  });

  it('no authority given: the server is still verified (against public roots) and refused', async () => {
    const error = await rejection(
      gateway.canLogin({ ...target, tls: { allowPlaintext: false } }, cluster.masterUsername, cluster.masterPassword),
    );
    expect(error).to.be.instanceOf(DatabaseTlsError);
    expect(error.message).to.include('certificate');
  });

  it('verifies the host name: an address the certificate does not name is refused, its DNS name is accepted', async () => {
    // 127.0.0.2 reaches the same server, but the certificate names only 127.0.0.1 and localhost.
    const error = await rejection(gateway.canLogin({ ...target, host: '127.0.0.2' }, cluster.masterUsername, cluster.masterPassword));
    expect(error).to.be.instanceOf(DatabaseTlsError);
    expect(error.message).to.include('127.0.0.2');
    expect((error as DatabaseTlsError).reason).to.match(/does not match|altnames/i);
    expect(await gateway.canLogin({ ...target, host: 'localhost' }, cluster.masterUsername, cluster.masterPassword)).to.equal(true);
  });

  it('with the right authority everything works over TLS', async () => {
    expect(await gateway.ensureBindingUser(target, binding)).to.equal('created');
    expect(await loginWorks(cluster, binding.username, binding.password)).to.equal(true);
    const ssl = await cluster.asSuperuser(
      async (c) => (await c.query(`SELECT bool_and(ssl) AS all_tls, count(*)::int AS n FROM pg_stat_ssl`)).rows[0],
    );
    expect(ssl.all_tls).to.equal(true);
    expect(await gateway.dropBindingUser(target, binding.username)).to.equal('dropped');
  });

  it('refused master credentials: DatabaseAuthError, without the password in the message', async () => {
    const wrong = { ...target, masterPassword: 'Not-The-Master-Password-77' };
    const error = await rejection(gateway.ensureBindingUser(wrong, binding));
    expect(error).to.be.instanceOf(DatabaseAuthError);
    expect(error.message).to.include(cluster.masterUsername);
    expect(error.message).not.to.include('Not-The-Master-Password-77');
    expect(error.message).not.to.include(binding.password);
  });

  it('nobody listening, or a server that never answers: DatabaseUnreachableError', async () => {
    const closedPort = await freePort();
    const refused = await rejection(gateway.listBindingUsers({ ...target, port: closedPort }));
    expect(refused).to.be.instanceOf(DatabaseUnreachableError);
    expect(refused.message).to.include(`127.0.0.1:${closedPort}`);

    const silent = await recordingServer('silent');
    try {
      const timedOut = await rejection(gateway.listBindingUsers({ ...target, port: silent.port, connectTimeoutMs: 300 }));
      expect(timedOut).to.be.instanceOf(DatabaseUnreachableError);
    } finally {
      await silent.close();
    }
  });

  it('never tries plain text unless allowed: only an SSLRequest reaches a server that offers no TLS', async () => {
    const server = await recordingServer('N');
    try {
      const error = await rejection(gateway.ensureBindingUser({ ...target, port: server.port }, binding));
      expect(error).to.be.instanceOf(DatabaseTlsError);
      expect((error as DatabaseTlsError).tlsFailure).to.equal('no-tls');
      expect(error.message).to.include(`127.0.0.1:${server.port}`);
      expect((await server.received()).equals(SSL_REQUEST)).to.equal(true);
    } finally {
      await server.close();
    }
  });

  it('with allowPlaintext the first bytes are a plain startup message instead', async () => {
    const server = await recordingServer('silent');
    try {
      const attempt = gateway.canLogin(
        { ...target, port: server.port, connectTimeoutMs: 300, tls: { allowPlaintext: true } },
        'someone',
        'Some-Password-1',
      );
      expect(await rejection(attempt)).to.be.instanceOf(DatabaseUnreachableError);
      const bytes = await server.received();
      // Startup message: length, then protocol 3.0, then "user\0someone\0…".
      expect(bytes.readUInt32BE(4)).to.equal(0x00030000);
      expect(bytes.includes(Buffer.from('user\u0000someone\u0000'))).to.equal(true);
    } finally {
      await server.close();
    }
  });

  describe('a server without TLS', () => {
    let plain: TestCluster;
    before(async () => {
      plain = await startCluster({ master: 'rds-like', database: 'app', tls: false });
    });
    after(async () => {
      await plain?.stop();
    });

    it('is refused with DatabaseTlsError when plain text is not allowed, and nothing is created', async () => {
      const error = await rejection(gateway.ensureBindingUser(targetFor(plain), binding));
      expect(error).to.be.instanceOf(DatabaseTlsError);
      expect(error.message).to.include('does not offer TLS');
      const roles = await plain.asSuperuser(
        async (c) => (await c.query(`SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE 'rdsb%'`)).rows[0].n,
      );
      expect(roles).to.equal(0);
    });

    it('works when the operator allowed plain text', async () => {
      const plainTarget = targetFor(plain, { tls: { allowPlaintext: true } });
      expect(await gateway.ensureBindingUser(plainTarget, binding)).to.equal('created');
      expect(await gateway.canLogin(plainTarget, binding.username, binding.password)).to.equal(true);
      expect(await gateway.dropBindingUser(plainTarget, binding.username)).to.equal('dropped');
    });
  });
});
