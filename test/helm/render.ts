import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { Manifest } from './kubeSchemas.js';

const execFileAsync = promisify(execFile);
export const chartDir = fileURLToPath(new URL('../../helm/rds-broker', import.meta.url));

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are walked as plain data */
export type AnyManifest = Manifest & Record<string, any>;

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the pinned helm binary with a private home and no kubeconfig: nothing may touch a real cluster or the user's Helm setup. */
export function helmRunner(helmBin: string, helmHome: string): (args: string[]) => Promise<HelmResult> {
  return async (args) => {
    const env = {
      PATH: process.env.PATH,
      HOME: helmHome,
      HELM_CACHE_HOME: join(helmHome, 'cache'),
      HELM_CONFIG_HOME: join(helmHome, 'config'),
      HELM_DATA_HOME: join(helmHome, 'data'),
      KUBECONFIG: join(helmHome, 'none'),
    };
    try {
      const { stdout, stderr } = await execFileAsync(helmBin, args, { env, maxBuffer: 16 << 20 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
}

/** `helm template` of the chart with `--set` values; throws with helm's stderr when it refuses. */
export async function renderChart(
  helm: (args: string[]) => Promise<HelmResult>,
  sets: string[] = [],
  release = 'rb',
  namespace = 'brokers',
): Promise<AnyManifest[]> {
  const result = await helm(['template', release, chartDir, '--namespace', namespace, ...sets.flatMap((s) => ['--set', s])]);
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((d) => d.toJSON() as AnyManifest)
    .filter((d) => d !== null);
}
