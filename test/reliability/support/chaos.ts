import type { ServeProcess } from './serve.js';

/**
 * Kills broker processes at random moments and starts them again, until told to stop. Two kinds of
 * death: a SIGKILL from outside at a random instant, and — for some incarnations — a failpoint armed
 * through RDS_BROKER_FAILPOINTS, so the process kills itself exactly between a step's action and the
 * tag that records it (the window a random kill rarely hits). Every choice comes from `random`.
 */

/** The restore windows the broker marks with failpoints (src/broker/operate.ts). */
export const RESTORE_FAILPOINTS = [
  'after:modify-settings',
  'before:complete-step:PendingUpdateSettings',
  'after:reboot',
  'before:complete-step:PendingReboot',
  'after:reset-master-password',
  'before:complete-step:PendingResetMasterPassword',
  'after:neutralise-users',
];

export interface ChaosOptions {
  random: () => number;
  /** A process runs this long (uniformly between the two) before it is killed. */
  upMs: [number, number];
  /** And stays dead this long before it is started again. */
  downMs: [number, number];
  /** Share of incarnations started with one failpoint armed. */
  failpointShare: number;
  failpoints: string[];
}

export interface ChaosRecord {
  kills: number;
  /** Failpoints that fired (the process killed itself there). */
  failpointDeaths: string[];
  /** Failpoints armed in incarnations that were killed from outside first. */
  failpointsNotReached: number;
  restarts: number;
  /** Deaths neither we nor a failpoint caused: crashes. Must stay empty. */
  crashes: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Chaos {
  readonly record: ChaosRecord = { kills: 0, failpointDeaths: [], failpointsNotReached: 0, restarts: 0, crashes: [] };
  private stopping = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly processes: ServeProcess[],
    private readonly options: ChaosOptions,
  ) {}

  private between([low, high]: [number, number]): number {
    return low + Math.floor(this.options.random() * (high - low));
  }

  /** One loop per process; each kills and restarts its process until stop(). */
  start(): void {
    this.loops = this.processes.map((process) => this.loop(process));
  }

  private async loop(process: ServeProcess): Promise<void> {
    let armed: string | undefined;
    while (!this.stopping) {
      const died = process.exited().then((how) => ({ how }));
      const outcome = await Promise.race([died, sleep(this.between(this.options.upMs)).then(() => undefined)]);
      if (this.stopping) return;
      if (outcome) {
        // It died by itself: a failpoint if one was armed and the death was a SIGKILL, else a crash.
        if (armed && outcome.how === 'SIGKILL') this.record.failpointDeaths.push(armed);
        else this.record.crashes.push(`${process.name} died: ${outcome.how}`);
        process.unexpectedExits.length = 0;
      } else {
        await process.kill();
        this.record.kills++;
        if (armed) this.record.failpointsNotReached++;
      }
      await sleep(this.between(this.options.downMs));
      if (this.stopping) return;
      armed =
        this.options.random() < this.options.failpointShare
          ? this.options.failpoints[Math.floor(this.options.random() * this.options.failpoints.length)]
          : undefined;
      await process.start(armed ? { RDS_BROKER_FAILPOINTS: armed } : {});
      this.record.restarts++;
    }
  }

  /** Stops killing; every process is left running (started without failpoints) for the final checks. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    for (const process of this.processes) {
      if (process.alive()) await process.kill();
      await process.start();
    }
  }
}
