import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  BINDING_USER_PREFIX,
  createSqlGateway,
  DatabaseOperationError,
  InvalidSqlInputError,
  OWNER_ROLE,
  type BindingUserSpec,
  type DatabaseTarget,
} from '../../src/sql/index.js';
import { asUser, loginWorks, sqlState, targetFor } from './support/clients.js';
import { startEmulatedPostgres } from './support/emulatedPostgres.js';
import type { TestCluster } from './support/postgresCluster.js';

/** A database name an attacker (or an unlucky plan) could choose: quotes, a statement, unicode. */
const HOSTILE_DATABASE = `app "db"; DROP DATABASE postgres; -- ü`;

const spec = (name: string, overrides: Partial<BindingUserSpec> = {}): BindingUserSpec => ({
  username: `${BINDING_USER_PREFIX}${name}`,
  // Binding passwords are printable ASCII; names here need not be.
  password: `Pw-${createHash('sha256').update(name).digest('hex').slice(0, 20)}`,
  readOnly: false,
  secretId: 'k1',
  bindingId: `binding-${name}`,
  ...overrides,
});

async function roleNames(cluster: TestCluster): Promise<string[]> {
  return cluster.asSuperuser(async (c) => (await c.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE 'rdsb%' ORDER BY 1`)).rows.map((r) => r.rolname));
}

async function tableOwner(cluster: TestCluster, table: string): Promise<string | undefined> {
  return cluster.asSuperuser(
    async (c) => (await c.query<{ owner: string }>(`SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname = $1`, [table])).rows[0]?.owner,
    cluster.database,
  );
}

// RDS gives the broker a master that is not a superuser; the project's emulator makes it one. Both
// must work, on the emulator's real PostgreSQL with TLS enforced (rds.force_ssl = 1).
for (const master of ['rds-like', 'superuser'] as const) {
  describe(`sql/ PostgreSQL binding users (master: ${master}, emulated RDS PostgreSQL over TLS)`, function () {
    this.timeout(120_000);
    const gateway = createSqlGateway();
    let cluster: TestCluster;
    let target: DatabaseTarget;

    before(async () => {
      cluster = await startEmulatedPostgres({ master: master === 'superuser' ? 'emulator' : 'rds-like', database: HOSTILE_DATABASE });
      target = targetFor(cluster);
    });
    after(async () => {
      await cluster?.stop();
    });

    it('creates, finds, lists and drops a binding user; each step repeated gives the same result', async () => {
      const a = spec('crud');
      expect(await gateway.ensureBindingUser(target, a)).to.equal('created');
      expect(await gateway.ensureBindingUser(target, a)).to.equal('unchanged');
      expect(await loginWorks(cluster, a.username, a.password)).to.equal(true);
      expect(await gateway.findBindingUser(target, a.username)).to.deep.equal({ username: 'rdsb_crud', readOnly: false, bindingId: 'binding-crud', secretId: 'k1' });
      expect((await gateway.listBindingUsers(target)).map((u) => u.username)).to.include('rdsb_crud');

      expect(await gateway.dropBindingUser(target, a.username)).to.equal('dropped');
      expect(await gateway.dropBindingUser(target, a.username)).to.equal('absent');
      expect(await gateway.findBindingUser(target, a.username)).to.equal(undefined);
      expect(await roleNames(cluster)).not.to.include('rdsb_crud');
      expect(await loginWorks(cluster, a.username, a.password)).to.equal(false);
    });

    it('fixes a changed password and changed metadata, reporting "updated"', async () => {
      const first = spec('pw');
      await gateway.ensureBindingUser(target, first);
      const second = { ...first, password: 'Another-Password-42', secretId: 'k2' };
      expect(await gateway.ensureBindingUser(target, second)).to.equal('updated');
      expect(await loginWorks(cluster, first.username, first.password)).to.equal(false);
      expect(await loginWorks(cluster, first.username, second.password)).to.equal(true);
      expect((await gateway.findBindingUser(target, first.username))?.secretId).to.equal('k2');
      expect(await gateway.ensureBindingUser(target, second)).to.equal('unchanged');
      // Someone tampers with the role out of band: the next ensure repairs it.
      await cluster.asSuperuser((c) => c.query(`ALTER ROLE rdsb_pw NOLOGIN`));
      expect(await gateway.ensureBindingUser(target, second)).to.equal('updated');
      expect(await loginWorks(cluster, first.username, second.password)).to.equal(true);
      await gateway.dropBindingUser(target, first.username);
    });

    it('stores a SCRAM verifier PostgreSQL itself would compute, never the password', async () => {
      const s = spec('scram');
      await gateway.ensureBindingUser(target, s);
      const stored = await cluster.asSuperuser(async (c) => (await c.query<{ rolpassword: string }>(`SELECT rolpassword FROM pg_authid WHERE rolname = $1`, [s.username])).rows[0]?.rolpassword);
      expect(stored).to.match(/^SCRAM-SHA-256\$4096:/);
      expect(stored).not.to.include(s.password);
      // PostgreSQL's own hashing of the same password with the same salt must give the same verifier.
      const salt = stored!.split('$')[1]!.split(':')[1]!;
      const own = await cluster.asSuperuser(async (c) => {
        await c.query(`SET password_encryption = 'scram-sha-256'`);
        await c.query(`CREATE ROLE scram_reference PASSWORD ${c.escapeLiteral(s.password)}`);
        const row = (await c.query<{ rolpassword: string }>(`SELECT rolpassword FROM pg_authid WHERE rolname = 'scram_reference'`)).rows[0];
        await c.query(`DROP ROLE scram_reference`);
        return row!.rolpassword;
      });
      const ownSalt = own.split('$')[1]!.split(':')[1]!;
      const { scramSha256Verifier } = await import('../../src/sql/passwords.js');
      expect(scramSha256Verifier(s.password, Buffer.from(ownSalt, 'base64'))).to.equal(own);
      expect(salt).not.to.equal(ownSalt);
      await gateway.dropBindingUser(target, s.username);
    });

    it('shares data between bindings through the owner role; dropping one loses nothing', async () => {
      const a = spec('share_a');
      const b = spec('share_b');
      await gateway.ensureBindingUser(target, a);
      await gateway.ensureBindingUser(target, b);
      await asUser(cluster, a.username, a.password, async (c) => {
        await c.query(`CREATE TABLE shared_items (id serial PRIMARY KEY, name text)`);
        await c.query(`INSERT INTO shared_items (name) VALUES ('from a')`);
        // An application may switch back to its own role (RESET ROLE would return to the owner,
        // the role its sessions start as); what it creates then must survive it too.
        await c.query(`SET ROLE NONE`);
        await c.query(`CREATE TABLE private_items (id int)`);
        await c.query(`INSERT INTO private_items VALUES (7)`);
      });
      expect(await tableOwner(cluster, 'shared_items')).to.equal(OWNER_ROLE);
      expect(await tableOwner(cluster, 'private_items')).to.equal(a.username);

      await asUser(cluster, b.username, b.password, async (c) => {
        expect((await c.query(`SELECT name FROM shared_items`)).rows).to.deep.equal([{ name: 'from a' }]);
        await c.query(`ALTER TABLE shared_items ADD COLUMN note text`);
        await c.query(`INSERT INTO shared_items (name, note) VALUES ('from b', 'ok')`);
        expect((await c.query(`SELECT id FROM private_items`)).rows).to.deep.equal([{ id: 7 }]);
      });

      expect(await gateway.dropBindingUser(target, a.username)).to.equal('dropped');
      expect(await loginWorks(cluster, a.username, a.password)).to.equal(false);
      expect(await tableOwner(cluster, 'private_items')).to.equal(OWNER_ROLE);
      await asUser(cluster, b.username, b.password, async (c) => {
        expect((await c.query(`SELECT name, note FROM shared_items ORDER BY id`)).rows).to.deep.equal([
          { name: 'from a', note: null },
          { name: 'from b', note: 'ok' },
        ]);
        await c.query(`ALTER TABLE private_items ADD COLUMN extra int`);
        await c.query(`INSERT INTO private_items VALUES (8, 1)`);
        expect((await c.query(`SELECT count(*)::int AS n FROM private_items`)).rows[0].n).to.equal(2);
      });
      await gateway.dropBindingUser(target, b.username);
      await cluster.asSuperuser((c) => c.query(`DROP TABLE shared_items, private_items`), cluster.database);
    });

    it('ends the sessions of a dropped binding', async () => {
      const a = spec('sessions');
      await gateway.ensureBindingUser(target, a);
      const outcome = await asUser(cluster, a.username, a.password, async (c) => {
        expect(await gateway.dropBindingUser(target, a.username)).to.equal('dropped');
        return sqlState(c, 'SELECT 1');
      });
      expect(outcome).not.to.equal('ok');
    });

    it('a read-only binding reads every table of the owner and cannot write in any way', async () => {
      const rw = spec('ro_writer');
      const ro = spec('ro_reader', { readOnly: true });
      await gateway.ensureBindingUser(target, rw);
      await asUser(cluster, rw.username, rw.password, async (c) => {
        await c.query(`CREATE TABLE before_ro (id serial PRIMARY KEY, v int)`);
        await c.query(`INSERT INTO before_ro (v) VALUES (1)`);
        await c.query(`CREATE SCHEMA app`);
        await c.query(`CREATE TABLE app.inner_table (v int)`);
        await c.query(`INSERT INTO app.inner_table VALUES (5)`);
      });
      expect(await gateway.ensureBindingUser(target, ro)).to.equal('created');
      expect(await gateway.ensureBindingUser(target, ro)).to.equal('unchanged');
      expect((await gateway.findBindingUser(target, ro.username))?.readOnly).to.equal(true);
      await asUser(cluster, rw.username, rw.password, async (c) => {
        await c.query(`CREATE TABLE after_ro (v int)`);
        await c.query(`INSERT INTO after_ro VALUES (2)`);
        await c.query(`CREATE TABLE app.later (v int)`);
      });

      await asUser(cluster, ro.username, ro.password, async (c) => {
        expect((await c.query(`SELECT v FROM before_ro`)).rows).to.deep.equal([{ v: 1 }]);
        expect((await c.query(`SELECT v FROM after_ro`)).rows).to.deep.equal([{ v: 2 }]);
        expect((await c.query(`SELECT v FROM app.inner_table`)).rows).to.deep.equal([{ v: 5 }]);
        expect((await c.query(`SELECT count(*)::int AS n FROM app.later`)).rows[0].n).to.equal(0);
        const writes = [
          `INSERT INTO before_ro (v) VALUES (9)`,
          `UPDATE before_ro SET v = 9`,
          `DELETE FROM before_ro`,
          `TRUNCATE before_ro`,
          `ALTER TABLE before_ro ADD COLUMN x int`,
          `DROP TABLE after_ro`,
          `CREATE TABLE public.sneaky (id int)`,
          `CREATE SCHEMA sneaky`,
          `SELECT nextval('before_ro_id_seq')`,
          `INSERT INTO app.inner_table VALUES (6)`,
        ];
        // First with the default read-only transactions, then after switching them off: the
        // privileges themselves must be missing, not only the default.
        for (const sql of writes) expect(await sqlState(c, sql), sql).to.be.oneOf(['25006', '42501']);
        expect(await sqlState(c, `SET default_transaction_read_only = off`)).to.equal('ok');
        expect(await sqlState(c, `SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE`)).to.equal('ok');
        for (const sql of writes) expect(await sqlState(c, sql), sql).to.equal('42501');
        expect(await sqlState(c, `SET ROLE ${OWNER_ROLE}`)).to.equal('42501');
      });
      await cluster.asSuperuser(async (c) => {
        expect((await c.query(`SELECT v FROM before_ro`)).rows).to.deep.equal([{ v: 1 }]);
        expect((await c.query(`SELECT to_regclass('public.sneaky') IS NULL AS absent`)).rows[0].absent).to.equal(true);
      }, cluster.database);
      await gateway.dropBindingUser(target, ro.username);
      await gateway.dropBindingUser(target, rw.username);
      await cluster.asSuperuser((c) => c.query(`DROP TABLE before_ro, after_ro; DROP SCHEMA app CASCADE`), cluster.database);
    });

    it('refuses a read-only binding where PUBLIC can create in schema public and the master cannot revoke that', async () => {
      // The situation before PostgreSQL 15 (and on databases made from such a template): schema
      // public owned by the bootstrap superuser, CREATE granted to PUBLIC.
      const originalOwner = await cluster.asSuperuser(async (c) => {
        const owner = (await c.query(`SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = 'public'`)).rows[0].owner as string;
        await c.query(`ALTER SCHEMA public OWNER TO CURRENT_USER; GRANT CREATE ON SCHEMA public TO PUBLIC`);
        return owner;
      }, cluster.database);
      try {
        const ro = spec('ro_refused', { readOnly: true });
        const publicCanCreate = async () =>
          cluster.asSuperuser(async (c) => (await c.query(`SELECT has_schema_privilege('public', 'public', 'CREATE') AS can`)).rows[0].can as boolean, cluster.database);
        if (master === 'superuser') {
          // A superuser master owns everything it needs: it revokes, and the binding is made.
          expect(await gateway.ensureBindingUser(target, ro)).to.equal('created');
          expect(await publicCanCreate()).to.equal(false);
          await gateway.dropBindingUser(target, ro.username);
        } else {
          try {
            await gateway.ensureBindingUser(target, ro);
            expect.fail('made a read-only binding that could create tables');
          } catch (error) {
            expect(error).to.be.instanceOf(DatabaseOperationError);
            expect((error as Error).message).to.include('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
            expect((error as Error).message).to.include('ALTER SCHEMA public OWNER TO');
          }
          expect(await roleNames(cluster)).not.to.include(ro.username);
          expect(await publicCanCreate()).to.equal(true);
        }
      } finally {
        await cluster.asSuperuser((c) => c.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC; ALTER SCHEMA public OWNER TO ${originalOwner}`), cluster.database);
      }
    });

    it('switching a binding between read-write and read-only changes what it can do', async () => {
      const s = spec('switch');
      await gateway.ensureBindingUser(target, s);
      await asUser(cluster, s.username, s.password, (c) => c.query(`CREATE TABLE switch_t (v int)`));
      expect(await gateway.ensureBindingUser(target, { ...s, readOnly: true })).to.equal('updated');
      await asUser(cluster, s.username, s.password, async (c) => {
        await c.query(`SET default_transaction_read_only = off`);
        expect(await sqlState(c, `INSERT INTO switch_t VALUES (1)`)).to.equal('42501');
        expect(await sqlState(c, `SELECT * FROM switch_t`)).to.equal('ok');
      });
      expect(await gateway.ensureBindingUser(target, s)).to.equal('updated');
      await asUser(cluster, s.username, s.password, async (c) => {
        expect(await sqlState(c, `INSERT INTO switch_t VALUES (1)`)).to.equal('ok');
      });
      await gateway.dropBindingUser(target, s.username);
      await cluster.asSuperuser((c) => c.query(`DROP TABLE switch_t`), cluster.database);
    });

    it('rotation: a successor given the predecessor\'s readOnly gets exactly its access, and outlives it', async () => {
      for (const readOnly of [false, true]) {
        const writer = spec(`rot_w_${readOnly}`);
        const predecessor = spec(`rot_p_${readOnly}`, { readOnly });
        await gateway.ensureBindingUser(target, writer);
        await gateway.ensureBindingUser(target, predecessor);
        await asUser(cluster, writer.username, writer.password, (c) => c.query(`CREATE TABLE rot_${readOnly} (v int); INSERT INTO rot_${readOnly} VALUES (1)`));

        const found = await gateway.findBindingUser(target, predecessor.username);
        expect(found?.readOnly).to.equal(readOnly);
        const successor = spec(`rot_s_${readOnly}`, { readOnly: found!.readOnly });
        expect(await gateway.ensureBindingUser(target, successor)).to.equal('created');

        const canWrite = async (user: BindingUserSpec) =>
          asUser(cluster, user.username, user.password, async (c) => {
            await c.query(`SET default_transaction_read_only = off`);
            return (await sqlState(c, `INSERT INTO rot_${readOnly} VALUES (2)`)) === 'ok';
          });
        expect(await canWrite(predecessor)).to.equal(!readOnly);
        expect(await canWrite(successor)).to.equal(!readOnly);

        await gateway.dropBindingUser(target, predecessor.username);
        expect(await loginWorks(cluster, predecessor.username, predecessor.password)).to.equal(false);
        await asUser(cluster, successor.username, successor.password, async (c) => {
          expect((await c.query(`SELECT count(*)::int AS n FROM rot_${readOnly}`)).rows[0].n).to.equal(readOnly ? 1 : 3);
        });
        await gateway.dropBindingUser(target, successor.username);
        await gateway.dropBindingUser(target, writer.username);
      }
    });

    it('neutralises the binding users that came with a restored database, keeping data and the kept ones', async () => {
      const a = spec('old_a');
      const b = spec('old_b', { readOnly: true });
      const kept = spec('new_c');
      for (const s of [a, b, kept]) await gateway.ensureBindingUser(target, s);
      await asUser(cluster, a.username, a.password, async (c) => {
        await c.query(`CREATE TABLE restored_rows (v int)`);
        await c.query(`INSERT INTO restored_rows VALUES (1), (2)`);
        await c.query(`SET ROLE NONE; CREATE TABLE restored_private (v int); INSERT INTO restored_private VALUES (3)`);
      });
      // Roles the broker did not make are none of its business: one with the prefix but no marker,
      // one with a marker-like comment but no prefix.
      await cluster.asSuperuser(async (c) => {
        await c.query(`CREATE ROLE rdsb_foreign LOGIN PASSWORD 'Foreign-1'`);
        await c.query(`CREATE ROLE app_user LOGIN PASSWORD 'App-User-1'`);
        await c.query(`COMMENT ON ROLE app_user IS '{"managedBy":"rds-broker","kind":"binding","bindingId":"x","secretId":"k1","readOnly":false}'`);
      });

      const dropped = await gateway.neutraliseBindingUsers(target, [kept.username]);
      expect([...dropped].sort()).to.deep.equal(['rdsb_old_a', 'rdsb_old_b']);
      expect(await gateway.neutraliseBindingUsers(target, [kept.username])).to.deep.equal([]);
      const roles = await roleNames(cluster);
      expect(roles).to.include.members(['rdsb_new_c', 'rdsb_foreign']);
      expect(roles).not.to.include.members(['rdsb_old_a']);
      expect(roles).not.to.include('rdsb_old_b');
      expect(await loginWorks(cluster, a.username, a.password)).to.equal(false);
      expect(await loginWorks(cluster, b.username, b.password)).to.equal(false);
      expect(await tableOwner(cluster, 'restored_private')).to.equal(OWNER_ROLE);
      await asUser(cluster, kept.username, kept.password, async (c) => {
        expect((await c.query(`SELECT sum(v)::int AS s FROM restored_rows`)).rows[0].s).to.equal(3);
        expect((await c.query(`SELECT v FROM restored_private`)).rows).to.deep.equal([{ v: 3 }]);
      });
      expect((await gateway.listBindingUsers(target)).map((u) => u.username)).to.deep.equal(['rdsb_new_c']);
      try {
        await gateway.dropBindingUser(target, 'rdsb_foreign');
        expect.fail('dropped a role the broker did not create');
      } catch (error) {
        expect(error).to.be.instanceOf(DatabaseOperationError);
        expect((error as Error).message).to.include('did not create');
      }
      await gateway.dropBindingUser(target, kept.username);
      await cluster.asSuperuser((c) => c.query(`DROP ROLE rdsb_foreign; DROP ROLE app_user`));
      await cluster.asSuperuser((c) => c.query(`DROP TABLE restored_rows, restored_private`), cluster.database);
    });

    it('canLogin tells working credentials from refused ones', async () => {
      expect(await gateway.canLogin(target, cluster.masterUsername, cluster.masterPassword)).to.equal(true);
      expect(await gateway.canLogin(target, cluster.masterUsername, 'wrong-password')).to.equal(false);
      expect(await gateway.canLogin(target, 'nobody_here', 'whatever-1')).to.equal(false);
      const s = spec('login');
      await gateway.ensureBindingUser(target, s);
      expect(await gateway.canLogin(target, s.username, s.password)).to.equal(true);
      await gateway.dropBindingUser(target, s.username);
      expect(await gateway.canLogin(target, s.username, s.password)).to.equal(false);
    });

    it('quotes hostile usernames, binding IDs and secret IDs', async () => {
      const hostile = [
        spec(`"; DROP ROLE ${cluster.masterUsername}; --`, { bindingId: `'); DROP TABLE x; --`, secretId: `\\'"` }),
        spec(`ünïcødé 🐘 name`, { bindingId: 'bïndïng 🐘 ✓', secretId: 'ключ' }),
        spec(`it's a "quote"`, { bindingId: `back\\slash \\' $$ $tag$`, readOnly: true }),
        spec(`UPPER case; select`, { bindingId: '"', secretId: "'" }),
      ];
      for (const s of hostile) {
        expect(await gateway.ensureBindingUser(target, s), s.username).to.equal('created');
        expect(await gateway.ensureBindingUser(target, s), s.username).to.equal('unchanged');
        expect(await loginWorks(cluster, s.username, s.password), s.username).to.equal(true);
        expect(await gateway.findBindingUser(target, s.username)).to.deep.equal({ username: s.username, readOnly: s.readOnly, bindingId: s.bindingId, secretId: s.secretId });
      }
      expect(await roleNames(cluster)).to.include.members(hostile.map((s) => s.username));
      expect(await gateway.canLogin(target, cluster.masterUsername, cluster.masterPassword)).to.equal(true);
      for (const s of hostile) expect(await gateway.dropBindingUser(target, s.username)).to.equal('dropped');
      expect(await roleNames(cluster)).not.to.include.members(hostile.map((s) => s.username));
    });

    it('refuses names it cannot create exactly, before touching the database', async () => {
      const tooLong = `${BINDING_USER_PREFIX}${'é'.repeat(30)}`; // 5 + 60 bytes > 63
      const bad: BindingUserSpec[] = [
        spec('x', { username: tooLong }),
        spec('x', { username: 'no_prefix' }),
        spec('x', { username: OWNER_ROLE }),
        spec('x', { username: 'rdsb_nul\u0000byte' }),
        spec('x', { password: 'naïve-password' }),
        spec('x', { password: '' }),
      ];
      for (const s of bad) {
        try {
          await gateway.ensureBindingUser(target, s);
          expect.fail(`accepted ${JSON.stringify(s.username)}`);
        } catch (error) {
          expect(error, s.username).to.be.instanceOf(InvalidSqlInputError);
        }
      }
      const roles = await roleNames(cluster);
      expect(roles.filter((r) => r.startsWith('rdsb_é') || r === 'no_prefix')).to.deep.equal([]);
    });

    it('two concurrent ensures of the same user both succeed and leave one working role', async () => {
      const s = spec('race');
      const outcomes = await Promise.all([gateway.ensureBindingUser(target, s), gateway.ensureBindingUser(target, s), gateway.ensureBindingUser(target, s)]);
      expect([...outcomes].sort()).to.deep.equal(['created', 'unchanged', 'unchanged']);
      const many = Array.from({ length: 6 }, (_, i) => spec(`race_${i}`, { readOnly: i % 2 === 0 }));
      expect(await Promise.all(many.map((m) => gateway.ensureBindingUser(target, m)))).to.deep.equal(many.map(() => 'created'));
      for (const m of [s, ...many]) expect(await loginWorks(cluster, m.username, m.password), m.username).to.equal(true);
      expect(await Promise.all([s, ...many].map((m) => gateway.dropBindingUser(target, m.username)))).to.deep.equal([s, ...many].map(() => 'dropped'));
    });

    it('creates and drops extensions idempotently, and never cascades into data', async () => {
      // A superuser may create any extension, with its dependencies (earthdistance needs cube);
      // RDS's master only trusted or allow-listed ones, so the rds-like master gets trusted ones.
      const wanted = master === 'superuser' ? ['citext', 'earthdistance'] : ['citext', 'cube'];
      await gateway.ensureExtensions(target, wanted);
      await gateway.ensureExtensions(target, wanted);
      const installed = async () =>
        cluster.asSuperuser(async (c) => (await c.query<{ extname: string }>(`SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1`)).rows.map((r) => r.extname), cluster.database);
      expect(await installed()).to.deep.equal(master === 'superuser' ? ['citext', 'cube', 'earthdistance'] : ['citext', 'cube']);

      const s = spec('ext');
      await gateway.ensureBindingUser(target, s);
      await asUser(cluster, s.username, s.password, (c) => c.query(`CREATE TABLE emails (address citext); INSERT INTO emails VALUES ('A@example.org')`));
      try {
        await gateway.dropExtensions(target, ['citext']);
        expect.fail('dropped an extension a table uses');
      } catch (error) {
        expect(error).to.be.instanceOf(DatabaseOperationError);
        expect((error as DatabaseOperationError).code).to.equal('2BP01');
      }
      expect(await installed()).to.include('citext');
      await asUser(cluster, s.username, s.password, async (c) => {
        expect((await c.query(`SELECT count(*)::int AS n FROM emails WHERE address = 'a@EXAMPLE.org'`)).rows[0].n).to.equal(1);
        await c.query(`DROP TABLE emails`);
      });
      await gateway.dropExtensions(target, [...wanted].reverse());
      await gateway.dropExtensions(target, ['citext', 'cube']);
      expect(await installed()).to.deep.equal([]);
      const refused = master === 'superuser' ? ['no_such_extension'] : ['no_such_extension', 'earthdistance'];
      for (const name of refused) {
        try {
          await gateway.ensureExtensions(target, [name]);
          expect.fail(`created extension ${name}`);
        } catch (error) {
          expect(error).to.be.instanceOf(DatabaseOperationError);
          expect((error as Error).message).to.include(name);
        }
      }
      expect(await installed()).to.deep.equal([]);
      await gateway.dropBindingUser(target, s.username);
    });
  });
}
