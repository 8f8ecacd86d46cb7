import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

/**
 * The processes a benchmark run starts: the broker (exactly as operators run it, `rds-broker serve
 * --config FILE`) and the emulator, each in a process of its own so that neither shares an event
 * loop with the load generator and the broker's memory and start-up are its own. Every process is
 * stopped by its PID.
 */

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resident memory of a process from /proc (Linux): now and at its peak, in MiB. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(match[1]);
  };
  return { rssMb: kib('VmRSS') / 1024, peakMb: kib('VmHWM') / 1024 };
}

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * CPU time a process has used so far (user + system, from /proc), in milliseconds. Unlike wall-clock
 * figures it hardly depends on what else the machine is running, so it compares runs on a busy host.
 */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) / CLOCK_TICKS_PER_SECOND) * 1000;
}

/** Stops a child by its PID: SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** GET on a fresh connection: the status, or 0 when nothing answered. */
function probe(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface BrokerProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** From spawn to the first HTTP answer (the server listens). */
  listeningMs: number;
  /** From spawn to the first 200 from /readyz (configuration loaded and RDS answered). */
  readyMs: number;
  /** CPU time the process had used when it was ready (hardly affected by a busy host). */
  readyCpuMs: number;
  stop(): Promise<void>;
}

export interface BrokerStart {
  /** Path of bin/rds-broker.js, or of a built cli/main.js. */
  entry: string;
  configFile: string;
  port: number;
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** Arguments for node itself, before the entry (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Give up when not ready within this long. */
  timeoutMs?: number;
}

/**
 * Starts `rds-broker serve` and times it: the clock starts just before the process is spawned and
 * stops at the first 200 from /readyz, which the broker gives once RDS has answered it. The broker's
 * output goes to `logFile`, so its logging costs what it costs in production and no more.
 */
export async function startBroker(options: BrokerStart): Promise<BrokerProcess> {
  const url = `http://127.0.0.1:${options.port}`;
  const log = openSync(options.logFile, 'a');
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), options.entry, 'serve', '--config', options.configFile, '--port', String(options.port)],
    {
      stdio: ['ignore', log, log],
      env: { ...process.env, ...(options.env ?? {}) },
    },
  );
  closeSync(log);
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = `exited with ${signal ?? `code ${code}`}`;
  });
  const stop = () => stopChild(child);
  let listeningMs: number | undefined;
  const deadline = started + (options.timeoutMs ?? 30_000);
  try {
    for (;;) {
      if (exit) throw new Error(`the broker ${exit} before it was ready; see ${options.logFile}`);
      if (performance.now() > deadline)
        throw new Error(`the broker was not ready within ${options.timeoutMs ?? 30_000} ms; see ${options.logFile}`);
      const status = await probe(`${url}/readyz`);
      const now = performance.now();
      if (status !== 0) listeningMs ??= now - started;
      if (status === 200)
        return { child, pid: child.pid!, url, listeningMs: listeningMs!, readyMs: now - started, readyCpuMs: cpuMsOf(child.pid!), stop };
      await sleep(status === 0 ? 2 : 5);
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface EmulatorProcess {
  child: ChildProcess;
  url: string;
  caFile?: string;
  stop(): Promise<void>;
}

/**
 * Starts bench/emulator-process.ts and reads the JSON line it prints once listening. Its standard
 * input is a pipe it watches: should this process die without stopping it, the emulator stops too.
 */
export async function startEmulatorProcess(entry: string, settings: Record<string, unknown>, logFile: string): Promise<EmulatorProcess> {
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    stdio: ['pipe', 'pipe', log],
    env: { ...process.env, BENCH_EMULATOR_SETTINGS: JSON.stringify(settings) },
  });
  closeSync(log);
  const stop = () => stopChild(child);
  const lines = createInterface({ input: child.stdout! });
  try {
    const first = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the emulator did not start within 60 s; see ${logFile}`)), 60_000);
      lines.once('line', (line) => {
        clearTimeout(timer);
        resolve(line);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the emulator exited with ${signal ?? `code ${code}`} before it listened; see ${logFile}`));
      });
    });
    const started = JSON.parse(first) as { url?: string; caFile?: string };
    if (typeof started.url !== 'string') throw new Error(`the emulator printed no URL: ${first}`);
    // Whatever it prints later (nothing is expected) must not fill the pipe and stall it.
    lines.on('line', () => undefined);
    return { child, url: started.url, ...(started.caFile ? { caFile: started.caFile } : {}), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Starts `rds-broker emulator ARGS` (the command operators and developers run) from `entry` and
 * reads its endpoint from the banner. It is stopped by its PID, with SIGTERM, as Ctrl-C would.
 */
export async function startEmulatorCommand(entry: string, args: string[], logFile: string): Promise<EmulatorProcess> {
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [entry, 'emulator', ...args], { stdio: ['ignore', 'pipe', log] });
  closeSync(log);
  const stop = () => stopChild(child);
  const lines = createInterface({ input: child.stdout! });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the emulator did not start within 60 s; see ${logFile}`)), 60_000);
      lines.on('line', (line) => {
        const match = /^\s*endpoint\s+(http\S+)/.exec(line);
        if (!match) return;
        clearTimeout(timer);
        resolve(match[1]!);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the emulator exited with ${signal ?? `code ${code}`} before it listened; see ${logFile}`));
      });
    });
    // The rest of the banner (and anything later) is read and dropped, so the pipe never fills.
    return { child, url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
