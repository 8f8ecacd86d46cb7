import { execFile } from 'node:child_process';
import { DatabaseError } from './errors.js';

export interface RunOptions {
  uid?: number;
  gid?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/**
 * Runs a program to completion and resolves with its standard output. Callers never put secrets in
 * `args` (passwords travel through files), so the error may quote the command and its output.
 */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        uid: options.uid,
        gid: options.gid,
        env: options.env ?? process.env,
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const output = `${stderr}${stdout}`.trim().split('\n').slice(-20).join('\n');
        const how = error.killed
          ? `was stopped after ${options.timeoutMs ?? 60_000} ms`
          : `exited with ${String(error.code ?? error.signal)}`;
        reject(new DatabaseError('Internal', `${file.split('/').pop()} ${args.join(' ')} ${how}`, output || undefined));
      },
    );
  });
}
