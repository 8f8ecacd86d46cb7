import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { Command } from '../../src/cli/command.js';
import type { Config } from '../../src/config/load.js';

/** Running the operator commands the two ways the tests need: as real processes, and in-process. */

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'rds-broker.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node bin/rds-broker.js …` as a child process, exactly as an operator runs it. */
export function runCli(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, timeout: timeoutMs, env: { ...process.env, RDS_BROKER_FAILPOINTS: '' } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** A command's run() in this process, with standard output captured. */
export async function runInProcess(command: Command, args: string[]): Promise<{ code: number; stdout: string }> {
  const chunks: string[] = [];
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  try {
    const code = await command.run(args);
    return { code, stdout: chunks.join('') };
  } finally {
    process.stdout.write = original;
  }
}

/** A directory for configuration files, removed by the returned function. */
export function configDir(): { dir: string; write(name: string, config: unknown): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'rds-broker-operator-'));
  return {
    dir,
    write: (name, config) => {
      const file = join(dir, name);
      writeFileSync(file, stringify(config), { mode: 0o600 });
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The configuration a running stack uses, as a document a file can hold (secrets inline: a test
 * file only). The AWS SDK marks the credentials object it was given with `$source`; that is dropped.
 */
export function configDocument(config: Config): Record<string, any> {
  return JSON.parse(JSON.stringify(config, (key, value: unknown) => (key.startsWith('$') ? undefined : value))) as Record<string, any>;
}
