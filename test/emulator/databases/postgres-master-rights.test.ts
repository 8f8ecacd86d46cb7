import { expect } from 'chai';
import { createPostgresEngine } from '../../../src/emulator/databases/postgres.js';
import { RDS_ALLOWED_UNTRUSTED_EXTENSIONS, trustedControl } from '../../../src/emulator/databases/postgres-installation.js';
import type { DatabaseSpec } from '../../../src/emulator/databases/types.js';
import { Scratch, withClient, type Login } from './support.js';

/**
 * The master user's rights on a real emulated PostgreSQL server, as RDS gives them: no superuser,
 * a member of rds_superuser (CREATEROLE, CREATEDB, RDS's predefined roles), extensions RDS allows
 * even where PostgreSQL calls them untrusted, and nothing that needs a true superuser.
 */
describe('emulator databases: the PostgreSQL master user is not a superuser', function () {
  this.timeout(120_000);
  const engine = createPostgresEngine({ archiveTimeoutSeconds: 1 });
  let scratch: Scratch;
  let spec: DatabaseSpec;
  const master = (): Login => ({
    port: spec.port,
    user: spec.masterUsername,
    password: spec.masterPassword,
    mode: 'verify',
    ca: scratch.authority.caPem,
  });
  const failure = async (sql: string) =>
    withClient(master(), async (client) => {
      try {
        await client.query(sql);
      } catch (error) {
        return (error as { code?: string }).code;
      }
      return 'succeeded';
    });

  before(async () => {
    scratch = await Scratch.create();
    spec = await scratch.spec('pg-rights');
    scratch.track(await engine.create(spec));
  });
  after(async () => {
    await scratch?.cleanUp();
  });

  it('is no superuser; it creates roles and databases and belongs to rds_superuser with RDS predefined roles', async () => {
    const facts = await withClient(master(), async (client) => {
      const me = (
        await client.query(
          `SELECT rolsuper, rolcreaterole, rolcreatedb, pg_has_role(current_user, 'rds_superuser', 'MEMBER') AS rds_superuser,
                  pg_has_role(current_user, 'pg_monitor', 'MEMBER') AS monitor, pg_has_role(current_user, 'pg_signal_backend', 'MEMBER') AS signal,
                  pg_has_role(current_user, 'pg_checkpoint', 'MEMBER') AS checkpoint
             FROM pg_roles WHERE rolname = current_user`,
        )
      ).rows[0];
      const admin = (await client.query(`SELECT rolsuper, rolcanlogin FROM pg_roles WHERE rolname = 'rdsadmin'`)).rows[0];
      await client.query('CREATE ROLE rights_app LOGIN');
      await client.query('CREATE DATABASE rights_db');
      await client.query('GRANT rds_superuser TO rights_app');
      return { me, admin };
    });
    expect(facts.me).to.deep.equal({
      rolsuper: false,
      rolcreaterole: true,
      rolcreatedb: true,
      rds_superuser: true,
      monitor: true,
      signal: true,
      checkpoint: true,
    });
    // The emulator's own administrator exists and is the only superuser.
    expect(facts.admin).to.deep.equal({ rolsuper: true, rolcanlogin: true });
  });

  it('creates trusted extensions and the untrusted ones RDS allows; not the ones RDS refuses', async () => {
    for (const ext of ['citext', 'pgcrypto', 'pg_stat_statements', 'postgres_fdw', 'pg_buffercache', 'earthdistance CASCADE']) {
      expect(await failure(`CREATE EXTENSION IF NOT EXISTS ${ext}`), ext).to.equal('succeeded');
    }
    // file_fdw is not on RDS's list: PostgreSQL's own refusal, insufficient privilege.
    expect(await failure('CREATE EXTENSION file_fdw')).to.equal('42501');
    // An allowed untrusted extension is for rds_superuser's members, not for every user with CREATE.
    await withClient(master(), async (c) => {
      await c.query("CREATE ROLE plain_owner LOGIN PASSWORD 'Plain-Owner-Password-1'");
      // The master may not SET ROLE to a role it made (PostgreSQL 16+), so it cannot give it the
      // database; CREATE on the database is what a trusted extension asks for.
      await c.query('CREATE DATABASE plain_db');
      await c.query('GRANT CREATE ON DATABASE plain_db TO plain_owner');
    });
    const plain = await withClient(
      { ...master(), user: 'plain_owner', password: 'Plain-Owner-Password-1', database: 'plain_db' },
      async (c) => {
        const trusted = await c.query('CREATE EXTENSION citext').then(() => 'ok');
        const allowed = await c.query('CREATE EXTENSION pg_stat_statements').then(
          () => 'ok',
          (error: { code?: string; message: string }) => `${error.code} ${error.message}`,
        );
        return { trusted, allowed };
      },
    );
    expect(plain).to.deep.equal({ trusted: 'ok', allowed: '42501 permission denied to create extension "pg_stat_statements"' });
  });

  it('is refused what needs a true superuser, with PostgreSQL own error', async () => {
    expect(await failure('CREATE ROLE would_be_super SUPERUSER')).to.equal('42501');
    expect(await failure("COPY (SELECT 1) TO '/tmp/rds-emulator-copy-test'")).to.equal('42501');
    expect(await failure('ALTER SYSTEM SET work_mem = 1024')).to.equal('42501');
    expect(await failure('ALTER ROLE rdsadmin PASSWORD NULL')).to.equal('42501');
  });

  it('marks a control file trusted once, whatever it said before', () => {
    expect(trustedControl("comment = 'x'\nrelocatable = true\n")).to.equal("comment = 'x'\nrelocatable = true\ntrusted = true\n");
    expect(trustedControl("comment = 'x'\ntrusted = false\n")).to.equal("comment = 'x'\ntrusted = true\n");
    expect(RDS_ALLOWED_UNTRUSTED_EXTENSIONS).to.include('pg_stat_statements');
    expect(RDS_ALLOWED_UNTRUSTED_EXTENSIONS).to.not.include('file_fdw');
  });
});
