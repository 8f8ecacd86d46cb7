import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { brokerBin, cleanEnv } from '../../support/http.js';

/**
 * `rds-broker serve` as a real child process on a fixed port, the way a platform sees a broker: the
 * same address before and after a crash. Every line it writes is kept (across restarts), so tests can
 * read what each process logged; SIGKILL and restart are one call each.
 */

/** A port nothing listens on right now (the kernel's pick, released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A directory for configuration files, removed by the returned function. */
export function scratchDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeConfig(dir: string, name: string, document: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(file, stringify(document), { mode: 0o600 });
  return file;
}

export class ServeProcess {
  private child: ChildProcess | undefined;
  private output = '';
  /** How many times the process was started, and how often it died of something other than our signals. */
  starts = 0;
  unexpectedExits: string[] = [];
  private expectingExit = false;

  constructor(
    readonly name: string,
    readonly configFile: string,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything every incarnation wrote to stdout and stderr. */
  logs(): string {
    return this.output;
  }

  /** The JSON lines written so far, parsed; lines that are not JSON are skipped. */
  logLines(): Array<Record<string, any>> {
    return this.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, any>;
        } catch {
          return undefined;
        }
      })
      .filter((line): line is Record<string, any> => line !== undefined);
  }

  /** Resolves when the current incarnation exits, with its exit code or signal. */
  exited(): Promise<string> {
    return this.exitedPromise;
  }
  private exitedPromise: Promise<string> = Promise.resolve('not started');

  /**
   * Starts the process and resolves once it logs that it listens (bounded, so a broken build cannot
   * hang). `env` adds variables for this incarnation only (failpoints, for instance).
   */
  start(env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<void> {
    if (this.alive()) throw new Error(`${this.name} is already running`);
    const child = spawn(process.execPath, [brokerBin, 'serve', '--config', this.configFile, '--port', String(this.port)], {
      env: cleanEnv({ ...this.env, ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.starts++;
    this.expectingExit = false;
    const mark = this.output.length;
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exitedPromise = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (!this.expectingExit) this.unexpectedExits.push(`${this.name} exited on its own: code ${code} signal ${signal}`);
        resolve(signal ?? String(code));
      }),
    );
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const check = () => {
        if (/"msg":"rds-broker listening/.test(this.output.slice(mark))) return resolve();
        if (!this.alive()) return reject(new Error(`${this.name} exited before listening:\n${this.output.slice(mark).slice(-3000)}`));
        if (performance.now() - started > timeoutMs)
          return reject(new Error(`${this.name} did not listen within ${timeoutMs} ms:\n${this.output.slice(mark).slice(-3000)}`));
        setTimeout(check, 20);
      };
      check();
    });
  }

  /** SIGKILL, as a crash or an OOM kill would; resolves once the process is gone. */
  async kill(): Promise<void> {
    if (!this.alive()) return;
    this.expectingExit = true;
    this.child!.kill('SIGKILL');
    await this.exitedPromise;
  }

  /** Graceful stop (SIGTERM), then SIGKILL if it does not end within the bound. */
  async stop(boundMs = 10_000): Promise<void> {
    if (!this.alive()) return;
    this.expectingExit = true;
    const child = this.child!;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
    await this.exitedPromise;
    clearTimeout(timer);
  }
}
