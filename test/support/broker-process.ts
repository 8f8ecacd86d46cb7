import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { localConfigDocument, newLocalSecret } from '../../src/local/config.js';
import { OsbClient } from './http.js';

/**
 * The broker as a real child process (`rds-broker serve`), so tests can SIGKILL it at any moment
 * and start another one on the same configuration, as a crash and a restart would.
 */
export class BrokerProcesses {
  readonly dir = mkdtempSync(join(tmpdir(), 'rds-broker-proc-'));
  readonly configFile = join(this.dir, 'config.yaml');
  private readonly children = new Set<ChildProcess>();
  readonly credentials = { username: 'platform', password: 'platform-password-for-tests' };

  constructor(emulatorUrl: string, caFile: string, configure?: (document: Record<string, any>) => void) {
    const document = localConfigDocument({
      port: 0,
      emulatorUrl,
      caFile,
      ...this.credentials,
      derivationSecret: newLocalSecret(),
      logLevel: 'info',
    });
    configure?.(document);
    writeFileSync(this.configFile, stringify(document), { mode: 0o600 });
  }

  /** Starts one broker process; resolves with a client once it listens. */
  start(
    env: Record<string, string> = {},
  ): Promise<{ child: ChildProcess; client: OsbClient; exited: Promise<NodeJS.Signals | number | null>; output: () => string }> {
    const child = spawn(process.execPath, ['bin/rds-broker.js', 'serve', '--config', this.configFile, '--port', '0'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once('exit', (code, signal) => {
        this.children.delete(child);
        resolve(signal ?? code);
      }),
    );
    return new Promise((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => reject(new Error(`broker did not start: ${buffered.slice(-2000)}`)), 30_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const match = /"url":"(http:\/\/[^"]+)"/.exec(buffered);
        if (match) {
          clearTimeout(timer);
          // Everything the process writes from here on is kept, for tests that read its log lines.
          child.stdout!.removeAllListeners('data');
          child.stdout!.on('data', (more: Buffer) => (buffered += more.toString()));
          resolve({ child, client: new OsbClient(match[1]!, this.credentials), exited, output: () => buffered });
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => (buffered += chunk.toString()));
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`broker exited before listening: ${buffered.slice(-2000)}`));
      });
    });
  }

  /** Stops every process still running (by PID) and removes the configuration. */
  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.children].map(
        (child) =>
          new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
