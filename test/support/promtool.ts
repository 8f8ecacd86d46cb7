import { execFile, execFileSync } from 'node:child_process';

/**
 * Prometheus's own checker, from Debian's `prometheus` package (.ci/run installs it): real rule
 * evaluation and the real exposition-format linter, not ours.
 */
export function promtoolPath(): string | undefined {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return 'promtool';
  } catch {
    return undefined;
  }
}

export const promtoolMissing = 'promtool is not installed (Debian package prometheus; .ci/run installs it)';

/** Skips the test, saying why, when promtool is missing; in CI (CI=true), where .ci/run installs it, fails instead. */
export function needPromtool(test: Mocha.Context): void {
  if (promtoolPath()) return;
  if (process.env.CI === 'true') throw new Error(`${promtoolMissing}, and CI must run this test`);
  console.log(`      skipped: ${promtoolMissing}`);
  test.skip();
}

/** Runs promtool; never throws: the exit code and both outputs are the answer. */
export function promtool(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', args, { maxBuffer: 16 << 20, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code as number) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}
