import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { validate } from 'dockerfile-utils';
import { parse as parseYaml, stringify } from 'yaml';
import { entrypointNodeFlags } from '../../bench/node-flags.js';

/**
 * Docker does not run here, so the Dockerfile is checked by reading: a Dockerfile linter, the
 * properties the image must have, the build context it relies on, and the runtime stage's layout
 * assembled by hand (compiled dist/, bin/, package.json, dependencies) and started the way the
 * image's ENTRYPOINT starts it.
 */

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions with continuation lines joined and comments dropped, grouped by stage. */
function stages(text: string): Instruction[][] {
  const joined = text.replace(/\\\n/g, ' ');
  const instructions = joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    });
  const result: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') result.push([]);
    result.at(-1)?.push(instruction);
  }
  return result;
}

describe('Dockerfile', function () {
  this.timeout(300_000);
  const all = stages(dockerfile);
  const runtime = all.at(-1)!;
  const args = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);

  it('has no problems a Dockerfile linter finds', () => {
    const problems = validate(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).to.deep.equal([]);
  });

  it('builds in stages: compile with all dependencies, ship production dependencies only', () => {
    expect(all.length).to.be.at.least(3);
    const run = all.flatMap((stage) => args(stage, 'RUN'));
    expect(run.some((r) => /npm ci\b/.test(r) && !r.includes('--omit=dev'))).to.equal(true);
    expect(run.some((r) => r.includes('npm run build'))).to.equal(true);
    expect(run.some((r) => /npm ci\b.*--omit=dev/.test(r))).to.equal(true);
    expect(args(runtime, 'RUN'), 'the runtime stage runs nothing (distroless has no shell)').to.deep.equal([]);
    const copiedFrom = args(runtime, 'COPY').filter((c) => c.startsWith('--from='));
    expect(copiedFrom.map((c) => c.split(/\s+/)[1])).to.have.members(['/app/node_modules', '/app/dist']);
  });

  it('runs as a numeric non-root user, from the compiled build, with `rds-broker serve` as entrypoint', () => {
    const user = args(runtime, 'USER');
    expect(user).to.have.length(1);
    const [uid] = user[0]!.split(':');
    expect(uid).to.match(/^\d+$/);
    expect(Number(uid)).to.be.greaterThan(0);
    expect(args(runtime, 'ENV').join(' ')).to.match(/RDS_BROKER_USE_BUILD=1/);
    const entrypoint = JSON.parse(args(runtime, 'ENTRYPOINT')[0]!) as string[];
    expect(entrypoint.slice(-2)).to.deep.equal(['/app/bin/rds-broker.js', 'serve']);
    const cmd = JSON.parse(args(runtime, 'CMD')[0]!) as string[];
    // The Helm chart and the kustomize base pass the same path.
    expect(cmd).to.deep.equal(['--config', '/etc/rds-broker/config/config.yaml']);
  });

  it("starts node with memory flags on its command line, which Cloud Foundry's start command repeats", () => {
    const flags = entrypointNodeFlags(dockerfile);
    expect(flags).to.include('--optimize-for-size');
    expect(flags.some((f) => /^--max-semi-space-size=\d+$/.test(f))).to.equal(true);
    const manifest = parseYaml(readFileSync(join(root, 'deploy', 'cloudfoundry', 'manifest.yml'), 'utf8')) as {
      applications: Array<{ command: string }>;
    };
    expect(manifest.applications[0]!.command).to.include(`exec node ${flags.join(' ')} bin/rds-broker.js serve`);
  });

  it('copies only what exists in the build context and .dockerignore lets through', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const sources = all
      .flatMap((stage) => args(stage, 'COPY'))
      .filter((c) => !c.startsWith('--from='))
      .flatMap((c) => c.split(/\s+/).slice(0, -1));
    expect(sources).to.include.members(['package.json', 'package-lock.json', 'src', 'bin']);
    for (const source of sources) {
      expect(existsSync(join(root, source)), `${source} exists`).to.equal(true);
      expect(ignored, `${source} is not ignored`).to.not.include(source);
    }
    expect(ignored).to.include.members(['node_modules', 'dist', '.git', 'test']);
  });

  it('the runtime layout (dist, bin, package.json, production dependencies; no sources) starts `serve`', async () => {
    const app = mkdtempSync(join(tmpdir(), 'rds-broker-image-'));
    try {
      cpSync(join(root, 'bin'), join(app, 'bin'), { recursive: true });
      cpSync(join(root, 'package.json'), join(app, 'package.json'));
      cpSync(join(root, 'package-lock.json'), join(app, 'package-lock.json'));
      const install = args(all.find((stage) => args(stage, 'RUN').some((r) => r.includes('--omit=dev')))!, 'RUN')[0]!
        .split('&&')[0]!
        .trim();
      expect(install).to.match(/^npm ci /);
      const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      await Promise.all([
        // The build stage: `npm run build` (tsc with tsconfig.build.json), here straight into the app.
        execFileAsync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(app, 'dist')], {
          cwd: root,
          maxBuffer: 16 << 20,
        }),
        // The dependencies stage, with the Dockerfile's own npm ci flags (from the local npm cache where it can).
        execFileAsync('npm', [...install.split(/\s+/).slice(1), '--prefer-offline'], { cwd: app, maxBuffer: 16 << 20 }),
      ]);
      expect(existsSync(join(app, 'node_modules', 'typescript')), 'no development dependencies').to.equal(false);
      expect(existsSync(join(app, 'src')), 'no TypeScript sources to fall back on').to.equal(false);
      const { stdout, stderr } = await execFileAsync(process.execPath, [join(app, 'bin', 'rds-broker.js'), 'serve', '--help'], {
        cwd: tmpdir(),
        env: { PATH: process.env.PATH, NODE_ENV: 'production', RDS_BROKER_USE_BUILD: '1' },
      });
      expect(stdout + stderr).to.match(/rds-broker serve --config FILE/);
      // With the node flags the ENTRYPOINT gives, which node must accept.
      await serveAndProbe(app, entrypointNodeFlags(dockerfile));
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });
});

/**
 * Starts `serve` from the assembled layout, as the image's ENTRYPOINT does, with the Cloud Foundry
 * configuration pointed at a closed loopback port for AWS (nothing leaves the machine); checks
 * /healthz answers, then that SIGTERM stops it cleanly.
 */
async function serveAndProbe(app: string, nodeFlags: string[]): Promise<void> {
  const config = parseYaml(readFileSync(join(root, 'deploy', 'cloudfoundry', 'config.yaml'), 'utf8'));
  config.aws.endpoint = 'http://127.0.0.1:9';
  config.aws.credentials = { accessKeyId: 'test', secretAccessKey: 'test-only-secret' };
  config.listen.host = '127.0.0.1';
  writeFileSync(join(app, 'config.yaml'), stringify(config));
  const child = spawn(
    process.execPath,
    [...nodeFlags, join(app, 'bin', 'rds-broker.js'), 'serve', '--config', join(app, 'config.yaml'), '--port', '0'],
    {
      cwd: tmpdir(),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        RDS_BROKER_USE_BUILD: '1',
        BROKER_PASSWORD: 'image-test-password',
        RDS_BROKER_SECRET_S1: 'image-test-derivation-secret-0001',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not report listening:\n${output}`)), 60_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]!);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void exited.then((code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).to.equal(200);
    child.kill('SIGTERM');
    expect(await exited, 'exit code after SIGTERM').to.equal(0);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }
}
