import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { DatabaseError, invalidSpec } from './errors.js';
import { copyTree, isEmptyOrMissing } from './files.js';
import { readMariadbBackupInfo, replayBinlogs, MARIADB_BACKUP_INFO_FILE } from './mariadb-backup.js';
import { assertOptionFilePath, firstStartSql, MARIADB_ADMIN_PASSWORD_FILE, validateMariadbNames } from './mariadb-config.js';
import { mariadbLayout, MariadbServer, type MariadbEnvironment, type MariadbLayout, type MariadbTuning } from './mariadb-server.js';
import { checkRestoreTarget, loadServerState, sharedUntilFailure } from './managed-server.js';
import { gtidOfBackup } from './mariadb-replication.js';
import { run } from './run.js';
import { assertReachable, chownTree, isExecutable, makeServerDirectory, resolveServerUser } from './server-user.js';
import { processTemporaryDirectory } from './temporary.js';
import type { DatabaseEngine, DatabaseServer, DatabaseSpec } from './types.js';

/**
 * MySQL and MariaDB instances for the emulator: one real `mariadbd` per instance (Debian's
 * mariadb-server; backups need Debian's mariadb-backup), with its own data directory, port, TLS
 * certificate and binary log. An instance of engine "mysql" is a MariaDB server too: it speaks
 * MySQL's protocol, which is what the broker's clients use.
 *
 * Point-in-time restore replays the source's binary log on top of a backup, up to the start of the
 * target's second: binary-log events carry whole seconds, so the copy holds every transaction
 * logged before that second and none logged in or after it (up to one second less than asked,
 * never more).
 */

export interface MariadbEngineOptions {
  engine?: 'mysql' | 'mariadb';
  /** When the emulator runs as root, the accounts to run servers as, first existing wins. */
  serverAccounts?: string[];
  /** Default '16M'. */
  bufferPool?: string;
  maxConnections?: number;
  durable?: boolean;
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  /** Where to keep the mariadb-install-db result copied for every instance; default a temporary directory. */
  templateDir?: string;
  /** The server program; default mariadbd on the PATH or in /usr/sbin. */
  mariadbd?: string;
}

const COMPLETE_MARKER = 'rds-emulator-template';

function findServerProgram(explicit?: string): string {
  const candidates = explicit
    ? [explicit]
    : [...(process.env.PATH ?? '').split(':').map((dir) => join(dir, 'mariadbd')), '/usr/sbin/mariadbd', '/usr/sbin/mysqld'];
  const found = candidates.find((file) => isAbsolute(file) && isExecutable(file));
  if (!found) throw new DatabaseError('Internal', 'mariadbd is not installed (Debian: apt-get install mariadb-server mariadb-backup)');
  return found;
}

/** One mariadb-install-db per process (or per templateDir), copied for each new instance. */
const templates = new Map<string, Promise<string>>();

function template(env: MariadbEnvironment, dir: string | undefined): Promise<string> {
  const key = dir ?? '';
  let pending = templates.get(key);
  if (!pending) {
    pending = (async () => {
      const root = dir ?? (await processTemporaryDirectory('mariadb-template'));
      await mkdir(root, { recursive: true });
      await chmod(root, 0o755).catch(() => undefined);
      const data = join(root, 'data');
      const version = (await run(env.mariadbd, ['--version'])).trim();
      if ((await readFile(join(root, COMPLETE_MARKER), 'utf8').catch(() => '')).trim() === version) return data;
      await rm(data, { recursive: true, force: true });
      await makeServerDirectory(env.user, data, 0o700);
      await run(
        'mariadb-install-db',
        [
          '--no-defaults',
          `--datadir=${data}`,
          '--skip-test-db',
          '--auth-root-authentication-method=normal',
          '--skip-name-resolve',
          '--innodb-log-file-size=4M',
          '--innodb-flush-method=nosync',
        ],
        {
          uid: env.user.switched ? env.user.uid : undefined,
          gid: env.user.switched ? env.user.gid : undefined,
          env: { PATH: process.env.PATH, LC_ALL: 'C', TZ: 'UTC' },
          timeoutMs: 300_000,
        },
      );
      await writeFile(join(root, COMPLETE_MARKER), `${version}\n`);
      return data;
    })();
    pending.catch(() => templates.delete(key));
    templates.set(key, pending);
  }
  return pending;
}

function validate(spec: DatabaseSpec): void {
  if (!spec.instanceId?.trim()) throw invalidSpec('instanceId is empty');
  if (!spec.dataDir || !isAbsolute(spec.dataDir))
    throw invalidSpec(`dataDir must be an absolute path, got ${JSON.stringify(spec.dataDir)}`);
  assertOptionFilePath(spec.dataDir);
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) throw invalidSpec(`port ${spec.port} is not a TCP port`);
  validateMariadbNames(spec.masterUsername ?? '', spec.dbName ?? '');
  if (!spec.masterPassword || /[\0\r\n]/.test(spec.masterPassword))
    throw invalidSpec('master password must be non-empty and a single line');
  for (const key of ['certFile', 'keyFile', 'caFile'] as const)
    if (!spec.tls?.[key] || !isAbsolute(spec.tls[key])) throw invalidSpec(`tls.${key} must be an absolute path`);
}

export function createMariadbEngine(options: MariadbEngineOptions = {}): DatabaseEngine {
  const name = options.engine ?? 'mariadb';
  const tuning: MariadbTuning = {
    bufferPool: options.bufferPool ?? '16M',
    maxConnections: options.maxConnections ?? 50,
    durable: options.durable ?? false,
    startTimeoutMs: options.startTimeoutMs ?? 120_000,
    stopTimeoutMs: options.stopTimeoutMs ?? 30_000,
  };
  const environment = sharedUntilFailure(
    async (): Promise<MariadbEnvironment> => ({
      mariadbd: findServerProgram(options.mariadbd),
      user: await resolveServerUser(options.serverAccounts ?? ['mysql', 'nobody']),
    }),
  );

  async function prepare(env: MariadbEnvironment, spec: DatabaseSpec): Promise<MariadbLayout> {
    validate(spec);
    const layout = mariadbLayout(spec.dataDir);
    assertReachable(env.user, layout.data);
    if (!(await isEmptyOrMissing(layout.data))) throw invalidSpec(`${layout.data} already holds a data directory; open() it instead`);
    await mkdir(layout.root, { recursive: true, mode: 0o711 });
    await chmod(layout.root, 0o711);
    for (const dir of [layout.data, layout.binlog, layout.tls, layout.run]) await makeServerDirectory(env.user, dir, 0o700);
    return layout;
  }

  async function discard(server: MariadbServer | undefined, layout: MariadbLayout): Promise<void> {
    await server?.stop().catch(() => undefined);
    for (const dir of [layout.data, layout.binlog, layout.tls, layout.run, layout.state, layout.optionFile])
      await rm(dir, { recursive: true, force: true });
  }

  async function fresh(env: MariadbEnvironment, spec: DatabaseSpec, layout: MariadbLayout): Promise<MariadbServer> {
    const server = new MariadbServer(spec, layout, tuning, Promise.resolve(env), { createdAt: new Date().toISOString() });
    await server.saveState();
    return server;
  }

  /** Runs `work` on a server laid out in `layout`; on failure removes what was made. */
  async function building(
    env: MariadbEnvironment,
    spec: DatabaseSpec,
    layout: MariadbLayout,
    work: (server: MariadbServer) => Promise<void>,
  ): Promise<MariadbServer> {
    let server: MariadbServer | undefined;
    try {
      server = await fresh(env, spec, layout);
      await work(server);
      return server;
    } catch (error) {
      await discard(server, layout);
      throw error;
    }
  }

  async function create(spec: DatabaseSpec): Promise<DatabaseServer> {
    const env = await environment();
    const layout = await prepare(env, spec);
    return building(env, spec, layout, async (server) => {
      await copyTree(await template(env, options.templateDir), layout.data);
      const adminPassword = randomBytes(24).toString('base64url');
      await writeFile(join(layout.data, MARIADB_ADMIN_PASSWORD_FILE), `${adminPassword}\n`, { mode: 0o600 });
      await chmod(layout.data, 0o700);
      await chownTree(env.user, layout.data);
      server.initSql = firstStartSql({
        adminPassword,
        masterUsername: spec.masterUsername,
        masterPassword: spec.masterPassword,
        dbName: spec.dbName,
      });
      await server.start();
    });
  }

  async function layDown(env: MariadbEnvironment, backupDir: string, spec: DatabaseSpec): Promise<MariadbLayout> {
    const layout = await prepare(env, spec);
    await copyTree(backupDir, layout.data, {
      skip: (rel, isDirectory) =>
        !isDirectory && (rel === MARIADB_BACKUP_INFO_FILE || rel.startsWith('xtrabackup_') || rel === 'backup-my.cnf'),
    });
    await chmod(layout.data, 0o700);
    await chownTree(env.user, layout.data);
    return layout;
  }

  /** Roles (users) and passwords come with the copy: spec.masterPassword is not applied, as on RDS. */
  async function restoreFromBackup(backupDir: string, spec: DatabaseSpec): Promise<DatabaseServer> {
    const env = await environment();
    validate(spec);
    await readMariadbBackupInfo(backupDir);
    const layout = await layDown(env, backupDir, spec);
    return building(env, spec, layout, (server) => server.start());
  }

  async function restoreToPointInTime(backupDir: string, binlogDir: string, target: Date, spec: DatabaseSpec): Promise<DatabaseServer> {
    const env = await environment();
    validate(spec);
    if (!(target instanceof Date) || Number.isNaN(target.getTime())) throw invalidSpec('the restore time is not a valid date');
    const info = await readMariadbBackupInfo(backupDir);
    checkRestoreTarget(target, info.completedAt, backupDir);
    const layout = await layDown(env, backupDir, spec);
    return building(env, spec, layout, async (server) => {
      await server.start();
      const access = {
        port: spec.port,
        caPem: await readFile(spec.tls.caFile, 'utf8'),
        password: (await readFile(join(layout.data, MARIADB_ADMIN_PASSWORD_FILE), 'utf8')).trim(),
      };
      await replayBinlogs(access, binlogDir, info, target);
    });
  }

  /**
   * A read replica of `source`: the replication user on the source, an online copy of it as the
   * replica's data, then replication from the copy's GTID position. Resolves once it replicates.
   */
  async function createReplica(source: DatabaseServer, spec: DatabaseSpec): Promise<DatabaseServer> {
    if (!(source instanceof MariadbServer)) throw invalidSpec('the source of a MariaDB replica must be a MariaDB server');
    const env = await environment();
    validate(spec);
    const connection = await source.prepareReplication();
    const copy = join(spec.dataDir, 'base-copy');
    let layout: MariadbLayout;
    let gtid: string;
    try {
      await source.backup(copy);
      gtid = gtidOfBackup(await readFile(join(copy, 'xtrabackup_binlog_info'), 'utf8'));
      layout = await layDown(env, copy, spec);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
    let server: MariadbServer | undefined;
    try {
      server = new MariadbServer(spec, layout, tuning, Promise.resolve(env), {
        createdAt: new Date().toISOString(),
        standby: { sourcePort: connection.port },
      });
      await server.saveState();
      await server.start();
      await server.beginReplication(connection, gtid);
      const deadline = Date.now() + tuning.startTimeoutMs;
      let state = await server.replication();
      while (state?.status !== 'replicating' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        state = await server.replication();
      }
      if (state?.status !== 'replicating') {
        throw new DatabaseError('StartFailed', `replica ${spec.instanceId} did not start replicating: ${state?.message ?? 'no state'}`);
      }
      return server;
    } catch (error) {
      await discard(server, layout);
      throw error;
    }
  }

  function open(spec: DatabaseSpec): DatabaseServer {
    validate(spec);
    const layout = mariadbLayout(spec.dataDir);
    const env = environment();
    env.catch(() => undefined); // reported by start()
    return new MariadbServer(spec, layout, tuning, env, loadServerState(layout.state));
  }

  return { engine: name, create, restoreFromBackup, restoreToPointInTime, open, createReplica };
}
