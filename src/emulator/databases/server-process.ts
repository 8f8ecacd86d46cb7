import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerUser } from './server-user.js';

/**
 * Starting and stopping one database server process. The server gets its own process group, so a
 * SIGKILL, when a fast shutdown overruns its bound, takes its children (backends, helpers) with it
 * and leaves nothing behind. Its output goes to a log file, not a pipe: a server must never block
 * on, or die with, the emulator's stdio.
 */

export interface RunningProcess {
  readonly pid: number;
  /** Resolves when the process has exited (for a process of an earlier emulator run, when it is gone). */
  readonly exited: Promise<void>;
  isAlive(): boolean;
}

/** Servers still running, and the signal that shuts each down: the last resort when Node exits. */
const live = new Map<number, NodeJS.Signals>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: sending the shutdown signal is, and the servers finish
  // their shutdown by themselves after Node is gone.
  process.on('exit', () => {
    for (const [pid, signal] of live) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  });
}

export interface StartOptions {
  file: string;
  args: string[];
  user: ServerUser;
  env: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  /** The signal that asks the server for a quick, clean shutdown (PostgreSQL: SIGINT). */
  shutdownSignal: NodeJS.Signals;
}

export function spawnServer(options: StartOptions): RunningProcess {
  installExitHook();
  const log = openSync(options.logFile, 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(options.file, options.args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: options.env,
      cwd: options.cwd,
      ...(options.user.switched ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const pid = child.pid;
  if (pid === undefined) {
    return { pid: -1, exited, isAlive: () => false };
  }
  live.set(pid, options.shutdownSignal);
  let running = true;
  void exited.then(() => {
    running = false;
    live.delete(pid);
  });
  return { pid, exited, isAlive: () => running };
}

/** Is `pid` a live process whose command line mentions `needle` (used to adopt stale servers)? */
export function processMatches(pid: number, needle: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    const state = /^\S+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    return state !== 'Z' && cmdline.includes(needle);
  } catch {
    return false;
  }
}

/** A server left running by an earlier emulator process (it crashed): not our child, so polled. */
export function adoptServer(pid: number, needle: string, shutdownSignal: NodeJS.Signals): RunningProcess {
  installExitHook();
  live.set(pid, shutdownSignal);
  const isAlive = () => processMatches(pid, needle);
  const exited = (async () => {
    while (isAlive()) await sleep(20);
    live.delete(pid);
  })();
  return { pid, exited, isAlive };
}

/**
 * Asks the server to shut down with `signal`; after `timeoutMs` kills its whole process group.
 * Resolves once the server process is gone.
 */
export async function stopServer(process_: RunningProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (!process_.isAlive()) return process_.exited;
  try {
    process.kill(process_.pid, signal);
  } catch {
    return process_.exited;
  }
  const timer = sleep(timeoutMs).then(() => 'timeout' as const);
  if ((await Promise.race([process_.exited.then(() => 'exited' as const), timer])) === 'timeout') {
    // PostgreSQL's children lead process groups of their own (so the postmaster can signal each
    // with its children), so the server's group alone is not enough: each child's group goes too.
    const children = childrenOf(process_.pid);
    for (const target of [-process_.pid, process_.pid, ...children.flatMap((child) => [-child, child])]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await process_.exited;
    await allGone(children, 5000);
  }
}

/** Direct children of `pid`, from /proc (no reliance on CONFIG_PROC_CHILDREN). */
export function childrenOf(pid: number): number[] {
  const found: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = /^\S+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${entry}/stat`, 'utf8'))?.[1];
      if (Number(parent) === pid) found.push(Number(entry));
    } catch {
      // exited while looking
    }
  }
  return found;
}

/** Waits (bounded) until none of `pids` is a live process (zombies awaiting their reaper count as gone). */
async function allGone(pids: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && pids.some((pid) => isLive(pid))) await sleep(10);
}

function isLive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Where the log ends now, so a failed start can quote only what this start wrote. */
export async function logSize(logFile: string): Promise<number> {
  return stat(logFile).then(
    (s) => s.size,
    () => 0,
  );
}

/** The last lines written to the log since `offset`, for an error message. */
export async function logSince(logFile: string, offset: number, maxLines = 15): Promise<string> {
  let handle;
  try {
    handle = await open(logFile, 'r');
    const { size } = await handle.stat();
    const start = Math.max(offset, size - 64 * 1024);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    return buffer.toString('utf8').trim().split('\n').slice(-maxLines).join('\n');
  } catch {
    return '';
  } finally {
    await handle?.close();
  }
}
