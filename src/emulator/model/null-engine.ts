/**
 * A database engine with no database: every operation succeeds at once and nothing runs or is
 * written. It lets the emulator model thousands of instances (benchmarks) where a real server
 * per instance would not fit, and keeps model tests fast. Endpoints point at ports nothing
 * listens on.
 */
import type { DatabaseEngine, DatabaseServer, DatabaseSpec, EngineName } from '../databases/types.js';

class NullServer implements DatabaseServer {
  readonly walArchiveDir = undefined;
  readonly pid = undefined;
  private readonly since: Date;

  constructor(
    readonly spec: DatabaseSpec,
    since = new Date(),
  ) {
    this.since = since;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async restart(): Promise<void> {}
  async setMasterPassword(): Promise<void> {}
  async applyParameters(): Promise<void> {}
  async backup(): Promise<void> {}
  async promote(): Promise<{ slotName?: string }> {
    return {};
  }

  restorableWindow(): { earliest?: Date; latest?: Date } {
    return { earliest: this.since, latest: new Date() };
  }
}

export function createNullEngine(engine: EngineName): DatabaseEngine {
  return {
    engine,
    create: async (spec) => new NullServer(spec),
    restoreFromBackup: async (_dir, spec) => new NullServer(spec),
    restoreToPointInTime: async (_base, _wal, _target, spec) => new NullServer(spec),
    open: (spec) => new NullServer(spec),
    createReplica: async (_source, spec) => new NullServer(spec),
  };
}
