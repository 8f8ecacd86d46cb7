import { isAbsolute, join } from 'node:path';
import { invalidSpec } from './errors.js';
import type { DatabaseSpec } from './types.js';

/**
 * Where an instance keeps what: everything lives under the instance's own directory (spec.dataDir),
 * so the RDS model removes an instance by removing one directory.
 */
export interface InstanceLayout {
  root: string;
  /** PGDATA: what a backup copies. */
  pgdata: string;
  /** Archived WAL, for point-in-time restore; outlives the server when the model keeps it. */
  walArchive: string;
  /** The server's copies of its certificate and key, owned by the server's account. */
  tls: string;
  log: string;
  /** Facts about the instance the engine keeps between emulator runs (see ServerState in managed-server.ts). */
  state: string;
}

export function instanceLayout(instanceDir: string): InstanceLayout {
  return {
    root: instanceDir,
    pgdata: join(instanceDir, 'pgdata'),
    walArchive: join(instanceDir, 'wal-archive'),
    tls: join(instanceDir, 'tls'),
    log: join(instanceDir, 'postgres.log'),
    state: join(instanceDir, 'engine-state.json'),
  };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Pure checks of a spec, so that bad input fails before anything is created. */
export function validateSpec(spec: DatabaseSpec, reservedUsers: readonly string[]): void {
  if (!spec.instanceId?.trim()) throw invalidSpec('instanceId is empty');
  if (!spec.dataDir || !isAbsolute(spec.dataDir))
    throw invalidSpec(`dataDir must be an absolute path, got ${JSON.stringify(spec.dataDir)}`);
  if (/[\0\n\r]/.test(spec.dataDir)) throw invalidSpec('dataDir contains control characters');
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) throw invalidSpec(`port ${spec.port} is not a TCP port`);
  const user = spec.masterUsername ?? '';
  if (!IDENTIFIER.test(user) || Buffer.byteLength(user) > 63) {
    throw invalidSpec(
      `master username ${JSON.stringify(user)} must start with a letter or underscore, hold only letters, digits, _ and $, and be at most 63 bytes`,
    );
  }
  if (reservedUsers.includes(user.toLowerCase()) || user.toLowerCase().startsWith('pg_')) {
    throw invalidSpec(`master username ${user} is reserved`);
  }
  const password = spec.masterPassword ?? '';
  if (password.length === 0 || /[\0\r\n]/.test(password)) throw invalidSpec('master password must be non-empty and a single line');
  if (spec.dbName && (Buffer.byteLength(spec.dbName) > 63 || /[\0]/.test(spec.dbName))) {
    throw invalidSpec(`database name ${JSON.stringify(spec.dbName)} must be at most 63 bytes`);
  }
  for (const key of ['certFile', 'keyFile', 'caFile'] as const) {
    if (!spec.tls?.[key] || !isAbsolute(spec.tls[key])) throw invalidSpec(`tls.${key} must be an absolute path`);
  }
}
