import { expect } from 'chai';
import type mysql from 'mysql2/promise';
import { createSqlGateway, DatabaseOperationError, InvalidSqlInputError, type DatabaseTarget } from '../../src/sql/index.js';
import { startEmulatedMariadb } from './support/emulatedMariadb.js';
import {
  accounts,
  asUser,
  errorCode,
  HOSTILE_DATABASE,
  loginWorks,
  quoteName as q,
  rejection,
  SIBLING_DATABASE,
  spec,
  targetFor,
} from './support/mariadbHelpers.js';
import { findMariadbd, type TestMariadb } from './support/mariadbServer.js';

// RDS's MariaDB master has a fixed list of privileges (no SUPER, no CONNECTION ADMIN); the
// emulator's has ALL. Both must work, on the emulator's real mariadbd over TLS.
for (const master of ['rds-like', 'emulator'] as const) {
  describe(`sql/ MariaDB binding users (master: ${master}, emulated RDS MariaDB over TLS)`, function () {
    this.timeout(180_000);
    const gateway = createSqlGateway();
    let server: TestMariadb;
    let target: DatabaseTarget;

    before(async function () {
      if (!findMariadbd()) {
        console.log('      skipped: mariadbd is not installed here (Debian: apt-get install mariadb-server)');
        this.skip();
      }
      server = await startEmulatedMariadb({ master, database: HOSTILE_DATABASE });
      target = targetFor(server);
      await server.asRoot((c) => c.query(`CREATE DATABASE ${q(SIBLING_DATABASE)}`));
    });
    after(async () => {
      await server?.stop();
    });

    it('creates, finds, lists and drops a binding user; each step repeated gives the same result', async () => {
      const a = spec('crud');
      expect(await gateway.ensureBindingUser(target, a)).to.equal('created');
      expect(await gateway.ensureBindingUser(target, a)).to.equal('unchanged');
      expect(await loginWorks(server, a)).to.equal(true);
      expect(await gateway.findBindingUser(target, a.username)).to.deep.equal({
        username: a.username,
        readOnly: false,
        bindingId: a.bindingId,
        secretId: 'k1',
      });
      expect((await gateway.listBindingUsers(target)).map((u) => u.username)).to.include(a.username);
      const changed = { ...a, password: 'Changed-Password-9', secretId: 'k2' };
      expect(await gateway.ensureBindingUser(target, changed)).to.equal('updated');
      expect(await loginWorks(server, a)).to.equal(false);
      expect(await loginWorks(server, changed)).to.equal(true);
      expect(await gateway.dropBindingUser(target, a.username)).to.equal('dropped');
      expect(await gateway.dropBindingUser(target, a.username)).to.equal('absent');
      expect(await gateway.findBindingUser(target, a.username)).to.equal(undefined);
      expect(await loginWorks(server, changed)).to.equal(false);
      expect(await accounts(server)).not.to.include(a.username);
    });

    it('keeps the password out of the statement: MariaDB stores the native hash it was given', async () => {
      const s = spec('hash');
      await gateway.ensureBindingUser(target, s);
      // MariaDB's own PASSWORD() of the same password must match what the account holds.
      const [own, stored] = await server.asRoot(async (c) => {
        const [a] = await c.query<mysql.RowDataPacket[]>(`SELECT PASSWORD(?) AS h`, [s.password]);
        const [b] = await c.query<mysql.RowDataPacket[]>(
          `SELECT authentication_string AS h FROM mysql.user WHERE User = ? AND Host = '%'`,
          [s.username],
        );
        return [String(a[0]!.h), String(b[0]!.h)];
      });
      expect(stored).to.equal(own);
      await gateway.dropBindingUser(target, s.username);
    });

    it('bindings share tables; dropping one loses nothing; grants reach exactly the one database', async () => {
      const a = spec('share_a');
      const b = spec('share_b');
      await gateway.ensureBindingUser(target, a);
      await gateway.ensureBindingUser(target, b);
      await asUser(server, a, async (c) => {
        await c.query(`CREATE TABLE items (id INT PRIMARY KEY AUTO_INCREMENT, name TEXT)`);
        await c.query(`INSERT INTO items (name) VALUES ('from a')`);
        expect(await errorCode(c, `SELECT 1 FROM ${q(SIBLING_DATABASE)}.no_such_table`)).to.equal('ER_TABLEACCESS_DENIED_ERROR');
        expect(await errorCode(c, `CREATE TABLE ${q(SIBLING_DATABASE)}.sneaky (id INT)`)).to.equal('ER_TABLEACCESS_DENIED_ERROR');
        expect(await errorCode(c, `USE ${q(SIBLING_DATABASE)}`)).to.equal('ER_DBACCESS_DENIED_ERROR');
      });
      await asUser(server, b, async (c) => {
        const [rows] = await c.query<mysql.RowDataPacket[]>(`SELECT name FROM items`);
        expect(rows.map((r) => r.name)).to.deep.equal(['from a']);
        await c.query(`ALTER TABLE items ADD COLUMN note TEXT`);
        await c.query(`INSERT INTO items (name, note) VALUES ('from b', 'ok')`);
      });
      expect(await gateway.dropBindingUser(target, a.username)).to.equal('dropped');
      expect(await loginWorks(server, a)).to.equal(false);
      await asUser(server, b, async (c) => {
        const [rows] = await c.query<mysql.RowDataPacket[]>(`SELECT name, note FROM items ORDER BY id`);
        expect(rows.map((r) => [r.name, r.note])).to.deep.equal([
          ['from a', null],
          ['from b', 'ok'],
        ]);
        await c.query(`DROP TABLE items`);
      });
      await gateway.dropBindingUser(target, b.username);
    });

    it('a read-only binding can read and cannot write in any way', async () => {
      const rw = spec('ro_writer');
      const ro = spec('ro_reader', { readOnly: true });
      await gateway.ensureBindingUser(target, rw);
      expect(await gateway.ensureBindingUser(target, ro)).to.equal('created');
      expect(await gateway.ensureBindingUser(target, ro)).to.equal('unchanged');
      expect((await gateway.findBindingUser(target, ro.username))?.readOnly).to.equal(true);
      await asUser(server, rw, (c) => c.query(`CREATE TABLE ro_t (v INT)`).then(() => c.query(`INSERT INTO ro_t VALUES (1)`)));
      await asUser(server, ro, async (c) => {
        const [rows] = await c.query<mysql.RowDataPacket[]>(`SELECT v FROM ro_t`);
        expect(rows.map((r) => r.v)).to.deep.equal([1]);
        for (const sql of [
          `INSERT INTO ro_t VALUES (2)`,
          `UPDATE ro_t SET v = 3`,
          `DELETE FROM ro_t`,
          `CREATE TABLE sneaky (id INT)`,
          `ALTER TABLE ro_t ADD COLUMN x INT`,
          `DROP TABLE ro_t`,
          `TRUNCATE TABLE ro_t`,
          `CREATE VIEW sneaky_view AS SELECT 1`,
        ]) {
          expect(await errorCode(c, sql), sql).to.be.oneOf([
            'ER_TABLEACCESS_DENIED_ERROR',
            'ER_DBACCESS_DENIED_ERROR',
            'ER_SPECIFIC_ACCESS_DENIED_ERROR',
          ]);
        }
      });
      // Switching it to read-write and back changes what it can do.
      expect(await gateway.ensureBindingUser(target, { ...ro, readOnly: false })).to.equal('updated');
      await asUser(server, ro, async (c) => expect(await errorCode(c, `INSERT INTO ro_t VALUES (2)`)).to.equal('ok'));
      expect(await gateway.ensureBindingUser(target, ro)).to.equal('updated');
      await asUser(server, ro, async (c) =>
        expect(await errorCode(c, `INSERT INTO ro_t VALUES (3)`)).to.equal('ER_TABLEACCESS_DENIED_ERROR'),
      );
      await asUser(server, rw, (c) => c.query(`DROP TABLE ro_t`));
      await gateway.dropBindingUser(target, ro.username);
      await gateway.dropBindingUser(target, rw.username);
    });

    it("rotation: a successor given the predecessor's readOnly gets exactly its access", async () => {
      for (const readOnly of [false, true]) {
        const predecessor = spec(`rot_p_${readOnly}`, { readOnly });
        await gateway.ensureBindingUser(target, predecessor);
        const found = await gateway.findBindingUser(target, predecessor.username);
        expect(found?.readOnly).to.equal(readOnly);
        const successor = spec(`rot_s_${readOnly}`, { readOnly: found!.readOnly });
        expect(await gateway.ensureBindingUser(target, successor)).to.equal('created');
        for (const [user, table] of [
          [predecessor, 'rot_by_predecessor'],
          [successor, 'rot_by_successor'],
        ] as const) {
          expect(await asUser(server, user, (c) => errorCode(c, `CREATE TABLE ${table} (v INT)`))).to.equal(
            readOnly ? 'ER_TABLEACCESS_DENIED_ERROR' : 'ok',
          );
        }
        await gateway.dropBindingUser(target, predecessor.username);
        expect(await loginWorks(server, successor)).to.equal(true);
        if (!readOnly) await asUser(server, successor, (c) => c.query(`DROP TABLE rot_by_predecessor, rot_by_successor`));
        await gateway.dropBindingUser(target, successor.username);
      }
    });

    it('neutralises the source binding users, keeping data, the kept ones and accounts it did not make', async () => {
      const a = spec('old_a');
      const b = spec('old_b', { readOnly: true });
      const kept = spec('new_c');
      for (const s of [a, b, kept]) await gateway.ensureBindingUser(target, s);
      await asUser(server, a, (c) => c.query(`CREATE TABLE restored (v INT)`).then(() => c.query(`INSERT INTO restored VALUES (1), (2)`)));
      await server.asRoot((c) => c.query(`CREATE USER 'rdsb_foreign'@'%' IDENTIFIED BY 'Foreign-1'`));

      const dropped = await gateway.neutraliseBindingUsers(target, [kept.username]);
      expect([...dropped].sort()).to.deep.equal([a.username, b.username].sort());
      expect(await gateway.neutraliseBindingUsers(target, [kept.username])).to.deep.equal([]);
      expect(await accounts(server)).to.include.members([kept.username, 'rdsb_foreign']);
      expect(await loginWorks(server, a)).to.equal(false);
      expect(await loginWorks(server, b)).to.equal(false);
      await asUser(server, kept, async (c) => {
        const [rows] = await c.query<mysql.RowDataPacket[]>(`SELECT SUM(v) AS s FROM restored`);
        expect(Number(rows[0]!.s)).to.equal(3);
        await c.query(`DROP TABLE restored`);
      });
      const refused = await rejection(gateway.dropBindingUser(target, 'rdsb_foreign'));
      expect(refused).to.be.instanceOf(DatabaseOperationError);
      expect(refused.message).to.include('did not create');
      await gateway.dropBindingUser(target, kept.username);
      await server.asRoot((c) => c.query(`DROP USER 'rdsb_foreign'@'%'`));
    });

    it('a metadata row left by a crash (account already dropped) is not listed and is cleaned up', async () => {
      await gateway.ensureBindingUser(target, spec('probe'));
      await gateway.dropBindingUser(target, 'rdsb_probe');
      await server.asRoot((c) =>
        c.query(`INSERT INTO rds_broker.binding_users VALUES ('rdsb_ghost', 'b', 'k1', 0, ?)`, [HOSTILE_DATABASE]),
      );
      expect((await gateway.listBindingUsers(target)).map((u) => u.username)).not.to.include('rdsb_ghost');
      expect(await gateway.dropBindingUser(target, 'rdsb_ghost')).to.equal('absent');
      const rows = await server.asRoot(
        async (c) =>
          (await c.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM rds_broker.binding_users WHERE username = 'rdsb_ghost'`))[0],
      );
      expect(Number(rows[0]!.n)).to.equal(0);
    });

    it('canLogin tells working credentials from refused ones', async () => {
      expect(await gateway.canLogin(target, server.masterUsername, server.masterPassword)).to.equal(true);
      expect(await gateway.canLogin(target, server.masterUsername, 'wrong-password')).to.equal(false);
      expect(await gateway.canLogin(target, 'nobody', 'whatever-1')).to.equal(false);
    });

    it('quotes hostile usernames and binding IDs, and refuses names MySQL cannot hold exactly', async () => {
      const hostile = [
        spec("'; DROP USER master; --", { bindingId: `'); DROP TABLE x; -- \\ "` }),
        spec('back`tick` ü', { bindingId: 'bïndïng ✓', secretId: 'ключ', readOnly: true }),
        spec('semi;colon "dq"', { bindingId: '`' }),
      ];
      for (const s of hostile) {
        expect(await gateway.ensureBindingUser(target, s), s.username).to.equal('created');
        expect(await gateway.ensureBindingUser(target, s), s.username).to.equal('unchanged');
        expect(await loginWorks(server, s), s.username).to.equal(true);
        expect(await gateway.findBindingUser(target, s.username)).to.deep.equal({
          username: s.username,
          readOnly: s.readOnly,
          bindingId: s.bindingId,
          secretId: s.secretId,
        });
      }
      expect(await gateway.canLogin(target, server.masterUsername, server.masterPassword)).to.equal(true);
      for (const s of hostile) expect(await gateway.dropBindingUser(target, s.username)).to.equal('dropped');
      expect(await accounts(server)).not.to.include.members(hostile.map((s) => s.username));
      for (const username of [`rdsb_${'a'.repeat(28)}`, 'rdsb_🐘', 'rdsb_trailing ']) {
        expect(await rejection(gateway.ensureBindingUser(target, spec('x', { username })))).to.be.instanceOf(InvalidSqlInputError);
      }
    });

    it('two concurrent ensures of the same user both succeed', async () => {
      const s = spec('race');
      const outcomes = await Promise.all([
        gateway.ensureBindingUser(target, s),
        gateway.ensureBindingUser(target, s),
        gateway.ensureBindingUser(target, s),
      ]);
      expect([...outcomes].sort()).to.deep.equal(['created', 'unchanged', 'unchanged']);
      expect(await loginWorks(server, s)).to.equal(true);
      await gateway.dropBindingUser(target, s.username);
    });
  });
}
