import { expect } from 'chai';
import {
  BINDING_USER_PREFIX,
  DatabaseOperationError,
  InvalidSqlInputError,
  OWNER_ROLE,
  type BindingUserSpec,
} from '../../src/sql/index.js';
import { describeOnEachMaster, roleNames, spec, tableOwner } from './support/bindingSuite.js';
import { asUser, loginWorks, sqlState } from './support/clients.js';

describeOnEachMaster('sql/ PostgreSQL binding users', (suite) => {
  it('creates, finds, lists and drops a binding user; each step repeated gives the same result', async () => {
    const a = spec('crud');
    expect(await suite.gateway.ensureBindingUser(suite.target, a)).to.equal('created');
    expect(await suite.gateway.ensureBindingUser(suite.target, a)).to.equal('unchanged');
    expect(await loginWorks(suite.cluster, a.username, a.password)).to.equal(true);
    expect(await suite.gateway.findBindingUser(suite.target, a.username)).to.deep.equal({
      username: 'rdsb_crud',
      readOnly: false,
      bindingId: 'binding-crud',
      secretId: 'k1',
    });
    expect((await suite.gateway.listBindingUsers(suite.target)).map((u) => u.username)).to.include('rdsb_crud');

    expect(await suite.gateway.dropBindingUser(suite.target, a.username)).to.equal('dropped');
    expect(await suite.gateway.dropBindingUser(suite.target, a.username)).to.equal('absent');
    expect(await suite.gateway.findBindingUser(suite.target, a.username)).to.equal(undefined);
    expect(await roleNames(suite.cluster)).not.to.include('rdsb_crud');
    expect(await loginWorks(suite.cluster, a.username, a.password)).to.equal(false);
  });

  it('fixes a changed password and changed metadata, reporting "updated"', async () => {
    const first = spec('pw');
    await suite.gateway.ensureBindingUser(suite.target, first);
    const second = { ...first, password: 'Another-Password-42', secretId: 'k2' };
    expect(await suite.gateway.ensureBindingUser(suite.target, second)).to.equal('updated');
    expect(await loginWorks(suite.cluster, first.username, first.password)).to.equal(false);
    expect(await loginWorks(suite.cluster, first.username, second.password)).to.equal(true);
    expect((await suite.gateway.findBindingUser(suite.target, first.username))?.secretId).to.equal('k2');
    expect(await suite.gateway.ensureBindingUser(suite.target, second)).to.equal('unchanged');
    // Someone tampers with the role out of band: the next ensure repairs it.
    await suite.cluster.asSuperuser((c) => c.query(`ALTER ROLE rdsb_pw NOLOGIN`));
    expect(await suite.gateway.ensureBindingUser(suite.target, second)).to.equal('updated');
    expect(await loginWorks(suite.cluster, first.username, second.password)).to.equal(true);
    await suite.gateway.dropBindingUser(suite.target, first.username);
  });

  it('stores a SCRAM verifier PostgreSQL itself would compute, never the password', async () => {
    const s = spec('scram');
    await suite.gateway.ensureBindingUser(suite.target, s);
    const stored = await suite.cluster.asSuperuser(
      async (c) =>
        (await c.query<{ rolpassword: string }>(`SELECT rolpassword FROM pg_authid WHERE rolname = $1`, [s.username])).rows[0]?.rolpassword,
    );
    expect(stored).to.match(/^SCRAM-SHA-256\$4096:/);
    expect(stored).not.to.include(s.password);
    // PostgreSQL's own hashing of the same password with the same salt must give the same verifier.
    const salt = stored!.split('$')[1]!.split(':')[1]!;
    const own = await suite.cluster.asSuperuser(async (c) => {
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
    await suite.gateway.dropBindingUser(suite.target, s.username);
  });

  it('shares data between bindings through the owner role; dropping one loses nothing', async () => {
    const a = spec('share_a');
    const b = spec('share_b');
    await suite.gateway.ensureBindingUser(suite.target, a);
    await suite.gateway.ensureBindingUser(suite.target, b);
    await asUser(suite.cluster, a.username, a.password, async (c) => {
      await c.query(`CREATE TABLE shared_items (id serial PRIMARY KEY, name text)`);
      await c.query(`INSERT INTO shared_items (name) VALUES ('from a')`);
      // An application may switch back to its own role (RESET ROLE would return to the owner,
      // the role its sessions start as); what it creates then must survive it too.
      await c.query(`SET ROLE NONE`);
      await c.query(`CREATE TABLE private_items (id int)`);
      await c.query(`INSERT INTO private_items VALUES (7)`);
    });
    expect(await tableOwner(suite.cluster, 'shared_items')).to.equal(OWNER_ROLE);
    expect(await tableOwner(suite.cluster, 'private_items')).to.equal(a.username);

    await asUser(suite.cluster, b.username, b.password, async (c) => {
      expect((await c.query(`SELECT name FROM shared_items`)).rows).to.deep.equal([{ name: 'from a' }]);
      await c.query(`ALTER TABLE shared_items ADD COLUMN note text`);
      await c.query(`INSERT INTO shared_items (name, note) VALUES ('from b', 'ok')`);
      expect((await c.query(`SELECT id FROM private_items`)).rows).to.deep.equal([{ id: 7 }]);
    });

    expect(await suite.gateway.dropBindingUser(suite.target, a.username)).to.equal('dropped');
    expect(await loginWorks(suite.cluster, a.username, a.password)).to.equal(false);
    expect(await tableOwner(suite.cluster, 'private_items')).to.equal(OWNER_ROLE);
    await asUser(suite.cluster, b.username, b.password, async (c) => {
      expect((await c.query(`SELECT name, note FROM shared_items ORDER BY id`)).rows).to.deep.equal([
        { name: 'from a', note: null },
        { name: 'from b', note: 'ok' },
      ]);
      await c.query(`ALTER TABLE private_items ADD COLUMN extra int`);
      await c.query(`INSERT INTO private_items VALUES (8, 1)`);
      expect((await c.query(`SELECT count(*)::int AS n FROM private_items`)).rows[0].n).to.equal(2);
    });
    await suite.gateway.dropBindingUser(suite.target, b.username);
    await suite.cluster.asSuperuser((c) => c.query(`DROP TABLE shared_items, private_items`), suite.cluster.database);
  });

  it('ends the sessions of a dropped binding', async () => {
    const a = spec('sessions');
    await suite.gateway.ensureBindingUser(suite.target, a);
    const outcome = await asUser(suite.cluster, a.username, a.password, async (c) => {
      expect(await suite.gateway.dropBindingUser(suite.target, a.username)).to.equal('dropped');
      return sqlState(c, 'SELECT 1');
    });
    expect(outcome).not.to.equal('ok');
  });

  it('neutralises the binding users that came with a restored database, keeping data and the kept ones', async () => {
    const a = spec('old_a');
    const b = spec('old_b', { readOnly: true });
    const kept = spec('new_c');
    for (const s of [a, b, kept]) await suite.gateway.ensureBindingUser(suite.target, s);
    await asUser(suite.cluster, a.username, a.password, async (c) => {
      await c.query(`CREATE TABLE restored_rows (v int)`);
      await c.query(`INSERT INTO restored_rows VALUES (1), (2)`);
      await c.query(`SET ROLE NONE; CREATE TABLE restored_private (v int); INSERT INTO restored_private VALUES (3)`);
    });
    // Roles the broker did not make are none of its business: one with the prefix but no marker,
    // one with a marker-like comment but no prefix.
    await suite.cluster.asSuperuser(async (c) => {
      await c.query(`CREATE ROLE rdsb_foreign LOGIN PASSWORD 'Foreign-1'`);
      await c.query(`CREATE ROLE app_user LOGIN PASSWORD 'App-User-1'`);
      await c.query(
        `COMMENT ON ROLE app_user IS '{"managedBy":"rds-broker","kind":"binding","bindingId":"x","secretId":"k1","readOnly":false}'`,
      );
    });

    const dropped = await suite.gateway.neutraliseBindingUsers(suite.target, [kept.username]);
    expect([...dropped].sort()).to.deep.equal(['rdsb_old_a', 'rdsb_old_b']);
    expect(await suite.gateway.neutraliseBindingUsers(suite.target, [kept.username])).to.deep.equal([]);
    const roles = await roleNames(suite.cluster);
    expect(roles).to.include.members(['rdsb_new_c', 'rdsb_foreign']);
    expect(roles).not.to.include.members(['rdsb_old_a']);
    expect(roles).not.to.include('rdsb_old_b');
    expect(await loginWorks(suite.cluster, a.username, a.password)).to.equal(false);
    expect(await loginWorks(suite.cluster, b.username, b.password)).to.equal(false);
    expect(await tableOwner(suite.cluster, 'restored_private')).to.equal(OWNER_ROLE);
    await asUser(suite.cluster, kept.username, kept.password, async (c) => {
      expect((await c.query(`SELECT sum(v)::int AS s FROM restored_rows`)).rows[0].s).to.equal(3);
      expect((await c.query(`SELECT v FROM restored_private`)).rows).to.deep.equal([{ v: 3 }]);
    });
    expect((await suite.gateway.listBindingUsers(suite.target)).map((u) => u.username)).to.deep.equal(['rdsb_new_c']);
    try {
      await suite.gateway.dropBindingUser(suite.target, 'rdsb_foreign');
      expect.fail('dropped a role the broker did not create');
    } catch (error) {
      expect(error).to.be.instanceOf(DatabaseOperationError);
      expect((error as Error).message).to.include('did not create');
    }
    await suite.gateway.dropBindingUser(suite.target, kept.username);
    await suite.cluster.asSuperuser((c) => c.query(`DROP ROLE rdsb_foreign; DROP ROLE app_user`));
    await suite.cluster.asSuperuser((c) => c.query(`DROP TABLE restored_rows, restored_private`), suite.cluster.database);
  });

  it('canLogin tells working credentials from refused ones', async () => {
    expect(await suite.gateway.canLogin(suite.target, suite.cluster.masterUsername, suite.cluster.masterPassword)).to.equal(true);
    expect(await suite.gateway.canLogin(suite.target, suite.cluster.masterUsername, 'wrong-password')).to.equal(false);
    expect(await suite.gateway.canLogin(suite.target, 'nobody_here', 'whatever-1')).to.equal(false);
    const s = spec('login');
    await suite.gateway.ensureBindingUser(suite.target, s);
    expect(await suite.gateway.canLogin(suite.target, s.username, s.password)).to.equal(true);
    await suite.gateway.dropBindingUser(suite.target, s.username);
    expect(await suite.gateway.canLogin(suite.target, s.username, s.password)).to.equal(false);
  });

  it('quotes hostile usernames, binding IDs and secret IDs', async () => {
    const hostile = [
      spec(`"; DROP ROLE ${suite.cluster.masterUsername}; --`, { bindingId: `'); DROP TABLE x; --`, secretId: `\\'"` }),
      spec(`ünïcødé 🐘 name`, { bindingId: 'bïndïng 🐘 ✓', secretId: 'ключ' }),
      spec(`it's a "quote"`, { bindingId: `back\\slash \\' $$ $tag$`, readOnly: true }),
      spec(`UPPER case; select`, { bindingId: '"', secretId: "'" }),
    ];
    for (const s of hostile) {
      expect(await suite.gateway.ensureBindingUser(suite.target, s), s.username).to.equal('created');
      expect(await suite.gateway.ensureBindingUser(suite.target, s), s.username).to.equal('unchanged');
      expect(await loginWorks(suite.cluster, s.username, s.password), s.username).to.equal(true);
      expect(await suite.gateway.findBindingUser(suite.target, s.username)).to.deep.equal({
        username: s.username,
        readOnly: s.readOnly,
        bindingId: s.bindingId,
        secretId: s.secretId,
      });
    }
    expect(await roleNames(suite.cluster)).to.include.members(hostile.map((s) => s.username));
    expect(await suite.gateway.canLogin(suite.target, suite.cluster.masterUsername, suite.cluster.masterPassword)).to.equal(true);
    for (const s of hostile) expect(await suite.gateway.dropBindingUser(suite.target, s.username)).to.equal('dropped');
    expect(await roleNames(suite.cluster)).not.to.include.members(hostile.map((s) => s.username));
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
        await suite.gateway.ensureBindingUser(suite.target, s);
        expect.fail(`accepted ${JSON.stringify(s.username)}`);
      } catch (error) {
        expect(error, s.username).to.be.instanceOf(InvalidSqlInputError);
      }
    }
    const roles = await roleNames(suite.cluster);
    expect(roles.filter((r) => r.startsWith('rdsb_é') || r === 'no_prefix')).to.deep.equal([]);
  });

  it('two concurrent ensures of the same user both succeed and leave one working role', async () => {
    const s = spec('race');
    const outcomes = await Promise.all([
      suite.gateway.ensureBindingUser(suite.target, s),
      suite.gateway.ensureBindingUser(suite.target, s),
      suite.gateway.ensureBindingUser(suite.target, s),
    ]);
    expect([...outcomes].sort()).to.deep.equal(['created', 'unchanged', 'unchanged']);
    const many = Array.from({ length: 6 }, (_, i) => spec(`race_${i}`, { readOnly: i % 2 === 0 }));
    expect(await Promise.all(many.map((m) => suite.gateway.ensureBindingUser(suite.target, m)))).to.deep.equal(many.map(() => 'created'));
    for (const m of [s, ...many]) expect(await loginWorks(suite.cluster, m.username, m.password), m.username).to.equal(true);
    expect(await Promise.all([s, ...many].map((m) => suite.gateway.dropBindingUser(suite.target, m.username)))).to.deep.equal(
      [s, ...many].map(() => 'dropped'),
    );
  });

  it('creates and drops extensions idempotently, and never cascades into data', async () => {
    // RDS's master (a member of rds_superuser) may create the extensions RDS allows, with their
    // dependencies (earthdistance needs cube); a plain CREATEROLE master only trusted ones.
    const wanted = suite.master === 'emulator' ? ['citext', 'earthdistance'] : ['citext', 'cube'];
    await suite.gateway.ensureExtensions(suite.target, wanted);
    await suite.gateway.ensureExtensions(suite.target, wanted);
    const installed = async () =>
      suite.cluster.asSuperuser(
        async (c) =>
          (await c.query<{ extname: string }>(`SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1`)).rows.map(
            (r) => r.extname,
          ),
        suite.cluster.database,
      );
    expect(await installed()).to.deep.equal(suite.master === 'emulator' ? ['citext', 'cube', 'earthdistance'] : ['citext', 'cube']);

    const s = spec('ext');
    await suite.gateway.ensureBindingUser(suite.target, s);
    await asUser(suite.cluster, s.username, s.password, (c) =>
      c.query(`CREATE TABLE emails (address citext); INSERT INTO emails VALUES ('A@example.org')`),
    );
    try {
      await suite.gateway.dropExtensions(suite.target, ['citext']);
      expect.fail('dropped an extension a table uses');
    } catch (error) {
      expect(error).to.be.instanceOf(DatabaseOperationError);
      expect((error as DatabaseOperationError).code).to.equal('2BP01');
    }
    expect(await installed()).to.include('citext');
    await asUser(suite.cluster, s.username, s.password, async (c) => {
      expect((await c.query(`SELECT count(*)::int AS n FROM emails WHERE address = 'a@EXAMPLE.org'`)).rows[0].n).to.equal(1);
      await c.query(`DROP TABLE emails`);
    });
    await suite.gateway.dropExtensions(suite.target, [...wanted].reverse());
    await suite.gateway.dropExtensions(suite.target, ['citext', 'cube']);
    expect(await installed()).to.deep.equal([]);
    const refused = suite.master === 'emulator' ? ['no_such_extension'] : ['no_such_extension', 'earthdistance'];
    for (const name of refused) {
      try {
        await suite.gateway.ensureExtensions(suite.target, [name]);
        expect.fail(`created extension ${name}`);
      } catch (error) {
        expect(error).to.be.instanceOf(DatabaseOperationError);
        expect((error as Error).message).to.include(name);
      }
    }
    expect(await installed()).to.deep.equal([]);
    await suite.gateway.dropBindingUser(suite.target, s.username);
  });
});
