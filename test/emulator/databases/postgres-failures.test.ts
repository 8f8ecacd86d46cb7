import { expect } from 'chai';
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseError } from '../../../src/emulator/databases/errors.js';
import { createPostgresEngine } from '../../../src/emulator/databases/postgres.js';
import { locatePostgresBinaries } from '../../../src/emulator/databases/postgres-binaries.js';
import type { DatabaseServer } from '../../../src/emulator/databases/types.js';
import { loginOutcome, processGone, probePort, runProgram, Scratch, withClient } from './support.js';

async function failure(work: () => Promise<unknown>): Promise<DatabaseError> {
  try {
    await work();
  } catch (error) {
    if (error instanceof DatabaseError) return error;
    throw error;
  }
  throw new Error('expected a DatabaseError, and the call succeeded');
}

/** Bad input and bad luck: each fails with a typed error, leaves nothing half-made, and can be retried. */
describe('emulator databases: PostgreSQL engine under bad input and failures', function () {
  this.timeout(120_000);
  const engine = createPostgresEngine({ archiveTimeoutSeconds: 1, stopTimeoutMs: 1000 });
  let scratch: Scratch;

  before(async () => {
    scratch = await Scratch.create();
  });

  after(async () => {
    await scratch?.cleanUp();
  });

  it('refuses a reserved master username before creating anything', async () => {
    const spec = await scratch.spec('bad-user', { masterUsername: 'rdsadmin' });
    const error = await failure(() => engine.create(spec));
    expect(error.code).to.equal('InvalidSpec');
    expect(await readdir(join(scratch.root, 'instances')).catch(() => [])).to.not.include('bad-user');
  });

  it("reports a port already taken with PostgreSQL's words, cleans up, and succeeds on a retry", async () => {
    let blocker: Server | undefined;
    const spec = await scratch.spec('port-taken');
    try {
      blocker = createServer();
      await new Promise<void>((resolve) => blocker!.listen(spec.port, '127.0.0.1', resolve));
      const error = await failure(() => engine.create(spec));
      expect(error.code).to.equal('StartFailed');
      expect(error.detail).to.match(/could not (bind|create any TCP\/IP sockets)/);
      expect(error.message).to.not.include(spec.masterPassword);
      expect(await readdir(spec.dataDir)).to.not.include('pgdata');
    } finally {
      await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
    }
    const server = scratch.track(await engine.create(spec));
    expect(
      await loginOutcome({ port: spec.port, user: 'master', password: spec.masterPassword, mode: 'verify', ca: scratch.authority.caPem }),
    ).to.equal('ok');
    await server.stop();
  });

  it('refuses to create over an existing data directory, leaving it alone', async () => {
    const spec = await scratch.spec('occupied');
    const first = scratch.track(await engine.create(spec));
    const error = await failure(() => engine.create({ ...spec, port: spec.port + 1 }));
    expect(error.code).to.equal('InvalidSpec');
    expect(
      await loginOutcome({ port: spec.port, user: 'master', password: spec.masterPassword, mode: 'verify', ca: scratch.authority.caPem }),
    ).to.equal('ok');
    await first.stop();
    await first.stop(); // idempotent
    expect((await failure(() => first.setMasterPassword('x-1'))).code).to.equal('NotRunning');
    expect((await failure(() => first.backup(join(scratch.root, 'never')))).code).to.equal('NotRunning');
  });

  it('takes the data directory back from a server an earlier emulator process left running', async () => {
    const spec = await scratch.spec('left-running');
    const orphan = scratch.track(await engine.create(spec));
    const orphanPid = orphan.pid!;
    // A new emulator process knows nothing of the old one but its data directory.
    const reopened = scratch.track(createPostgresEngine({ archiveTimeoutSeconds: 1 }).open({ ...spec }));
    await reopened.start();
    scratch.track(reopened);
    expect(reopened.pid).to.be.a('number').and.not.equal(orphanPid);
    expect(processGone(orphanPid)).to.equal(true);
    expect(
      await loginOutcome({ port: spec.port, user: 'master', password: spec.masterPassword, mode: 'verify', ca: scratch.authority.caPem }),
    ).to.equal('ok');
    await reopened.stop();
  });

  it('names a TLS file it cannot read, and leaves nothing behind', async () => {
    const spec = await scratch.spec('no-key');
    const error = await failure(() => engine.create({ ...spec, tls: { ...spec.tls, keyFile: join(scratch.root, 'missing.key') } }));
    expect(error.code).to.equal('InvalidSpec');
    expect(error.message).to.include('tls.keyFile');
    expect(await readdir(spec.dataDir)).to.not.include('pgdata');
  });

  it('refuses a directory that is not a backup', async () => {
    const notBackup = join(scratch.root, 'not-a-backup');
    await mkdir(notBackup, { recursive: true });
    const error = await failure(async () => engine.restoreFromBackup(notBackup, await scratch.spec('from-nothing')));
    expect(error.code).to.equal('InvalidBackup');
  });

  it('restores everything the archive holds when the target lies beyond it', async () => {
    const spec = await scratch.spec('archive-end');
    const server = scratch.track(await engine.create(spec));
    const login = { port: spec.port, user: 'master', password: spec.masterPassword, mode: 'verify' as const, ca: scratch.authority.caPem };
    const base = join(scratch.root, 'backups', 'archive-end');
    await server.backup(base);
    await withClient(login, (c) => c.query('CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)'));
    await server.stop(); // closes and archives the last segment: the archive holds both rows
    const target = new Date(Date.now() + 3_600_000);
    const restoredSpec = await scratch.spec('archive-end-copy');
    const restored = scratch.track(await engine.restoreToPointInTime(base, server.walArchiveDir!, target, restoredSpec));
    const rows = await withClient({ ...login, port: restoredSpec.port }, async (c) =>
      (await c.query('SELECT id FROM t ORDER BY id')).rows.map((r) => r.id),
    );
    expect(rows).to.deep.equal([1, 2]);
    const log = await readFile(join(restoredSpec.dataDir, 'postgres.log'), 'utf8');
    expect(log).to.include('recovery ended before configured recovery target was reached');
    await restored.stop();
  });

  it('kills a server that ignores the shutdown request, with all its processes, after the bound', async () => {
    const spec = await scratch.spec('stuck');
    const server: DatabaseServer = scratch.track(await engine.create(spec));
    const pid = server.pid!;
    const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/).map(Number);
    expect(children.length).to.be.greaterThan(2);
    process.kill(pid, 'SIGSTOP'); // a postmaster that cannot answer: neither SQL nor SIGINT
    await server.stop();
    for (const each of [pid, ...children]) expect(processGone(each), `pid ${each}`).to.equal(true);
    expect(await probePort(spec.port)).to.equal('refused');
  });

  it('refuses, with the directory to fix, a data directory the server account cannot reach', async function () {
    if (process.getuid?.() !== 0) {
      console.log('      skipped: only a root emulator runs servers as another account');
      this.skip();
    }
    const hidden = await mkdtemp(join(tmpdir(), 'rds-emulator-hidden-')); // mode 0700, root's
    try {
      const error = await failure(async () => engine.create(await scratch.spec('hidden', { dataDir: join(hidden, 'instance') })));
      expect(error.code).to.equal('InvalidSpec');
      expect(error.message).to.include(hidden);
    } finally {
      await rm(hidden, { recursive: true, force: true });
    }
  });

  it('recreates the library links an install script did not make', async () => {
    const { nativeDir } = await locatePostgresBinaries();
    const copy = join(scratch.root, 'binary-package');
    await cp(join(nativeDir, '..'), copy, { recursive: true, verbatimSymlinks: true });
    const link = join(copy, 'native', 'lib', 'libicuuc.so.60');
    expect((await lstat(link)).isSymbolicLink()).to.equal(true);
    await unlink(link);
    const broken = await runProgram(join(copy, 'native', 'bin', 'postgres'), ['--version']);
    expect(broken.code).to.not.equal(0);
    await locatePostgresBinaries(join(copy, 'native', 'bin'));
    expect((await lstat(link)).isSymbolicLink()).to.equal(true);
    const fixed = await runProgram(join(copy, 'native', 'bin', 'postgres'), ['--version']);
    expect(fixed.stdout).to.match(/^postgres \(PostgreSQL\) \d+/);
  });
});
