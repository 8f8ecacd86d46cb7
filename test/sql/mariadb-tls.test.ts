import { expect } from 'chai';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import {
  createSqlGateway,
  DatabaseAuthError,
  DatabaseTlsError,
  DatabaseUnreachableError,
  type DatabaseTarget,
} from '../../src/sql/index.js';
import { accounts, HOSTILE_DATABASE, rejection, spec, targetFor } from './support/mariadbHelpers.js';
import { findMariadbd, startMariadb, type TestMariadb } from './support/mariadbServer.js';
import { freePort } from './support/postgresCluster.js';

/**
 * On a plain mariadbd (not the emulator's): it also listens on 127.0.0.2, which its certificate does
 * not name, and can run without TLS, two things an RDS emulator rightly never does.
 */
describe('sql/ MariaDB TLS and connection errors (real MariaDB)', function () {
  this.timeout(180_000);
  const gateway = createSqlGateway();
  let server: TestMariadb;
  let target: DatabaseTarget;

  before(async function () {
    if (!findMariadbd()) {
      console.log('      skipped: mariadbd is not installed here (Debian: apt-get install mariadb-server)');
      this.skip();
    }
    server = await startMariadb({ database: HOSTILE_DATABASE });
    target = targetFor(server);
  });
  after(async () => {
    await server?.stop();
  });

  it('TLS: a wrong authority or a host name the certificate does not cover is refused before anything is created', async () => {
    const probe = spec('tls_probe');
    const wrongCa = await rejection(
      gateway.ensureBindingUser({ ...target, tls: { caPem: server.otherCa.caPem, allowPlaintext: false } }, probe),
    );
    expect(wrongCa).to.be.instanceOf(DatabaseTlsError);
    expect(wrongCa.message).to.include(`127.0.0.1:${server.port}`);
    expect(wrongCa.message).to.include('certificate');
    expect(wrongCa.message).not.to.include(server.masterPassword);
    const wrongHost = await rejection(gateway.ensureBindingUser({ ...target, host: '127.0.0.2' }, probe));
    expect(wrongHost).to.be.instanceOf(DatabaseTlsError);
    expect(wrongHost.message).to.include('127.0.0.2');
    expect(await accounts(server)).not.to.include(probe.username);
    expect(await gateway.canLogin({ ...target, host: 'localhost' }, server.masterUsername, server.masterPassword)).to.equal(true);
  });

  it('refused master credentials, nobody listening, or a silent server: typed errors without secrets', async () => {
    const auth = await rejection(gateway.listBindingUsers({ ...target, masterPassword: 'Not-The-Master-Password-77' }));
    expect(auth).to.be.instanceOf(DatabaseAuthError);
    expect(auth.message).not.to.include('Not-The-Master-Password-77');
    const closedPort = await freePort();
    const refused = await rejection(gateway.listBindingUsers({ ...target, port: closedPort }));
    expect(refused).to.be.instanceOf(DatabaseUnreachableError);
    expect(refused.message).to.include(`127.0.0.1:${closedPort}`);
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      expect(await rejection(gateway.listBindingUsers({ ...target, port, connectTimeoutMs: 300 }))).to.be.instanceOf(
        DatabaseUnreachableError,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  describe('a server without TLS', () => {
    let plain: TestMariadb;
    before(async () => {
      plain = await startMariadb({ database: 'app', tls: false });
    });
    after(async () => {
      await plain?.stop();
    });
    it('is refused when plain text is not allowed, and works when the operator allowed it', async () => {
      const probe = spec('plain');
      const refused = await rejection(gateway.ensureBindingUser(targetFor(plain), probe));
      expect(refused).to.be.instanceOf(DatabaseTlsError);
      expect(refused.message).to.include('does not offer TLS');
      expect(await accounts(plain)).to.deep.equal([]);
      const allowed = targetFor(plain, { tls: { allowPlaintext: true } });
      expect(await gateway.ensureBindingUser(allowed, probe)).to.equal('created');
      expect(await gateway.canLogin(allowed, probe.username, probe.password)).to.equal(true);
      expect(await gateway.dropBindingUser(allowed, probe.username)).to.equal('dropped');
    });
  });
});
