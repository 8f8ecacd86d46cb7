import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

/**
 * Local mode started as a user starts it (npm start, npx, a shell), then its starter is stopped
 * with SIGTERM or killed outright: every process below it must end and its temporary directory go.
 * Real processes throughout; nothing here signals the broker itself.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = ['--port', '0', '--emulator-port', '0'];

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function descendantsOf(pid: number): number[] {
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
  const found: number[] = [];
  const frontier = [pid];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const candidate of all) {
      if (parentOf(candidate) === parent && !found.includes(candidate)) {
        found.push(candidate);
        frontier.push(candidate);
      }
    }
  }
  return found;
}

function alive(pid: number): boolean {
  const stat = (() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
  })();
  return stat !== undefined && !/\) Z /.test(stat);
}

/** Starts local mode, waits for its banner, returns the starter and the temporary directory it names. */
async function startLocal(command: string, commandArgs: string[]): Promise<{ starter: ChildProcess; stateDir: string }> {
  const starter = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
  let output = '';
  const stateDir = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /state {7}(\S+) \(removed on exit\)/.exec(output);
      if (match && /Ctrl-C stops everything/.test(output)) resolve(match[1]!);
    };
    starter.stdout!.on('data', onData);
    starter.stderr!.on('data', onData);
    starter.on('exit', (code) => reject(new Error(`local mode exited (${code}) before its banner:\n${output}`)));
  });
  return { starter, stateDir };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`still not true after a minute: ${what}`);
}

async function expectEverythingGone(starter: ChildProcess, stateDir: string, stop: (starter: ChildProcess) => void) {
  const below = descendantsOf(starter.pid!);
  expect(below, 'processes below the starter').to.not.be.empty;
  expect(existsSync(stateDir)).to.equal(true);
  stop(starter);
  await until(() => below.every((pid) => !alive(pid)), `processes ${below.join(', ')} ended`);
  await until(() => !existsSync(stateDir), `${stateDir} removed`);
}

describe('local mode stops with whatever started it', function () {
  this.timeout(180_000);
  const started: ChildProcess[] = [];
  after(() => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('SIGTERM to npm start', async () => {
    const { starter, stateDir } = await startLocal('npm', ['start', '--', ...args]);
    started.push(starter);
    await expectEverythingGone(starter, stateDir, (s) => s.kill('SIGTERM'));
  });

  it('SIGTERM to npx rds-broker local', async () => {
    const { starter, stateDir } = await startLocal('npx', ['rds-broker', 'local', ...args]);
    started.push(starter);
    await expectEverythingGone(starter, stateDir, (s) => s.kill('SIGTERM'));
  });

  it('the death of its parent (a shell killed with SIGKILL)', async () => {
    const { starter, stateDir } = await startLocal('sh', ['-c', `node bin/rds-broker.js local ${args.join(' ')} & wait`]);
    started.push(starter);
    await expectEverythingGone(starter, stateDir, (s) => s.kill('SIGKILL'));
  });
});
