import { expect } from 'chai';
import { DatabaseOperationError, OWNER_ROLE, type BindingUserSpec } from '../../src/sql/index.js';
import { describeOnEachMaster, roleNames, spec } from './support/bindingSuite.js';
import { asUser, loginWorks, sqlState } from './support/clients.js';

describeOnEachMaster('sql/ PostgreSQL read-only bindings and rotation', (suite) => {
  it('a read-only binding reads every table of the owner and cannot write in any way', async () => {
    const rw = spec('ro_writer');
    const ro = spec('ro_reader', { readOnly: true });
    await suite.gateway.ensureBindingUser(suite.target, rw);
    await asUser(suite.cluster, rw.username, rw.password, async (c) => {
      await c.query(`CREATE TABLE before_ro (id serial PRIMARY KEY, v int)`);
      await c.query(`INSERT INTO before_ro (v) VALUES (1)`);
      await c.query(`CREATE SCHEMA app`);
      await c.query(`CREATE TABLE app.inner_table (v int)`);
      await c.query(`INSERT INTO app.inner_table VALUES (5)`);
    });
    expect(await suite.gateway.ensureBindingUser(suite.target, ro)).to.equal('created');
    expect(await suite.gateway.ensureBindingUser(suite.target, ro)).to.equal('unchanged');
    expect((await suite.gateway.findBindingUser(suite.target, ro.username))?.readOnly).to.equal(true);
    await asUser(suite.cluster, rw.username, rw.password, async (c) => {
      await c.query(`CREATE TABLE after_ro (v int)`);
      await c.query(`INSERT INTO after_ro VALUES (2)`);
      await c.query(`CREATE TABLE app.later (v int)`);
    });

    await asUser(suite.cluster, ro.username, ro.password, async (c) => {
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
    await suite.cluster.asSuperuser(async (c) => {
      expect((await c.query(`SELECT v FROM before_ro`)).rows).to.deep.equal([{ v: 1 }]);
      expect((await c.query(`SELECT to_regclass('public.sneaky') IS NULL AS absent`)).rows[0].absent).to.equal(true);
    }, suite.cluster.database);
    await suite.gateway.dropBindingUser(suite.target, ro.username);
    await suite.gateway.dropBindingUser(suite.target, rw.username);
    await suite.cluster.asSuperuser((c) => c.query(`DROP TABLE before_ro, after_ro; DROP SCHEMA app CASCADE`), suite.cluster.database);
  });

  it('refuses a read-only binding where PUBLIC can create in schema public and the master cannot revoke that', async () => {
    // The situation before PostgreSQL 15 (and on databases made from such a template): schema
    // public owned by the bootstrap superuser, CREATE granted to PUBLIC.
    const originalOwner = await suite.cluster.asSuperuser(async (c) => {
      const owner = (await c.query(`SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = 'public'`)).rows[0]
        .owner as string;
      await c.query(`ALTER SCHEMA public OWNER TO CURRENT_USER; GRANT CREATE ON SCHEMA public TO PUBLIC`);
      return owner;
    }, suite.cluster.database);
    try {
      const ro = spec('ro_refused', { readOnly: true });
      const publicCanCreate = async () =>
        suite.cluster.asSuperuser(
          async (c) => (await c.query(`SELECT has_schema_privilege('public', 'public', 'CREATE') AS can`)).rows[0].can as boolean,
          suite.cluster.database,
        );
      // Neither master owns schema public here (on RDS neither does): the refusal says what to do.
      try {
        await suite.gateway.ensureBindingUser(suite.target, ro);
        expect.fail('made a read-only binding that could create tables');
      } catch (error) {
        expect(error).to.be.instanceOf(DatabaseOperationError);
        expect((error as Error).message).to.include('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
        expect((error as Error).message).to.include('ALTER SCHEMA public OWNER TO');
      }
      expect(await roleNames(suite.cluster)).not.to.include(ro.username);
      expect(await publicCanCreate()).to.equal(true);
    } finally {
      await suite.cluster.asSuperuser(
        (c) => c.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC; ALTER SCHEMA public OWNER TO ${originalOwner}`),
        suite.cluster.database,
      );
    }
  });

  it('switching a binding between read-write and read-only changes what it can do', async () => {
    const s = spec('switch');
    await suite.gateway.ensureBindingUser(suite.target, s);
    await asUser(suite.cluster, s.username, s.password, (c) => c.query(`CREATE TABLE switch_t (v int)`));
    expect(await suite.gateway.ensureBindingUser(suite.target, { ...s, readOnly: true })).to.equal('updated');
    await asUser(suite.cluster, s.username, s.password, async (c) => {
      await c.query(`SET default_transaction_read_only = off`);
      expect(await sqlState(c, `INSERT INTO switch_t VALUES (1)`)).to.equal('42501');
      expect(await sqlState(c, `SELECT * FROM switch_t`)).to.equal('ok');
    });
    expect(await suite.gateway.ensureBindingUser(suite.target, s)).to.equal('updated');
    await asUser(suite.cluster, s.username, s.password, async (c) => {
      expect(await sqlState(c, `INSERT INTO switch_t VALUES (1)`)).to.equal('ok');
    });
    await suite.gateway.dropBindingUser(suite.target, s.username);
    await suite.cluster.asSuperuser((c) => c.query(`DROP TABLE switch_t`), suite.cluster.database);
  });

  it("rotation: a successor given the predecessor's readOnly gets exactly its access, and outlives it", async () => {
    for (const readOnly of [false, true]) {
      const writer = spec(`rot_w_${readOnly}`);
      const predecessor = spec(`rot_p_${readOnly}`, { readOnly });
      await suite.gateway.ensureBindingUser(suite.target, writer);
      await suite.gateway.ensureBindingUser(suite.target, predecessor);
      await asUser(suite.cluster, writer.username, writer.password, (c) =>
        c.query(`CREATE TABLE rot_${readOnly} (v int); INSERT INTO rot_${readOnly} VALUES (1)`),
      );

      const found = await suite.gateway.findBindingUser(suite.target, predecessor.username);
      expect(found?.readOnly).to.equal(readOnly);
      const successor = spec(`rot_s_${readOnly}`, { readOnly: found!.readOnly });
      expect(await suite.gateway.ensureBindingUser(suite.target, successor)).to.equal('created');

      const canWrite = async (user: BindingUserSpec) =>
        asUser(suite.cluster, user.username, user.password, async (c) => {
          await c.query(`SET default_transaction_read_only = off`);
          return (await sqlState(c, `INSERT INTO rot_${readOnly} VALUES (2)`)) === 'ok';
        });
      expect(await canWrite(predecessor)).to.equal(!readOnly);
      expect(await canWrite(successor)).to.equal(!readOnly);

      await suite.gateway.dropBindingUser(suite.target, predecessor.username);
      expect(await loginWorks(suite.cluster, predecessor.username, predecessor.password)).to.equal(false);
      await asUser(suite.cluster, successor.username, successor.password, async (c) => {
        expect((await c.query(`SELECT count(*)::int AS n FROM rot_${readOnly}`)).rows[0].n).to.equal(readOnly ? 1 : 3);
      });
      await suite.gateway.dropBindingUser(suite.target, successor.username);
      await suite.gateway.dropBindingUser(suite.target, writer.username);
    }
  });
});
