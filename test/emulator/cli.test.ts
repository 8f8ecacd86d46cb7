import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CreateDBInstanceCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { baseInstance } from './helpers.js';

const bin = fileURLToPath(new URL('../../bin/rds-broker.js', import.meta.url));

function startCli(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, 'emulator', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe('rds-broker emulator (command line)', function () {
  this.timeout(60_000);

  it('prints its endpoint, CA and an AWS CLI line, serves the SDK, and stops everything on SIGTERM', async () => {
    const cli = startCli(['--port', '0', '--databases', 'none', '--speed', '0']);
    try {
      for (let i = 0; i < 600 && !/Ctrl-C/.test(cli.output()); i++) await new Promise((r) => setTimeout(r, 50));
      const out = cli.output();
      const endpoint = /endpoint\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const caFile = /database CA\s+(\S+)/.exec(out)?.[1];
      const state = /state\s+(\S+) \(removed on exit\)/.exec(out)?.[1];
      expect(endpoint, out).to.be.a('string');
      expect(out).to.include(`aws rds describe-db-instances --endpoint-url ${endpoint} --region us-east-1`);
      expect(existsSync(caFile!)).to.equal(true);
      const rds = new RDSClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
      await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'from-cli' }));
      const described = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'from-cli' }));
      expect(described.DBInstances![0]!.DBInstanceIdentifier).to.equal('from-cli');
      cli.child.kill('SIGTERM');
      expect(await cli.exited).to.equal(0);
      expect(existsSync(state!)).to.equal(false);
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });

  it('stops the database servers of its instances on SIGTERM, leaving no process behind', async () => {
    const cli = startCli(['--port', '0', '--speed', '0']);
    try {
      for (let i = 0; i < 600 && !/Ctrl-C/.test(cli.output()); i++) await new Promise((r) => setTimeout(r, 50));
      const endpoint = /endpoint\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(cli.output())?.[1];
      expect(endpoint, cli.output()).to.be.a('string');
      const rds = new RDSClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
      await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'cli-real' }));
      const settled = (await (await fetch(`${endpoint}/_emulator/settle`, { method: 'POST' })).json()) as { settled: boolean };
      expect(settled.settled).to.equal(true);
      const listed = (await (await fetch(`${endpoint}/_emulator/instances`)).json()) as {
        instances: { identifier: string; pid: number | null; status: string }[];
      };
      const pid = listed.instances.find((i) => i.identifier === 'cli-real')!.pid!;
      expect(pid).to.be.a('number');
      expect(() => process.kill(pid, 0)).not.to.throw();
      cli.child.kill('SIGTERM');
      expect(await cli.exited).to.equal(0);
      expect(() => process.kill(pid, 0)).to.throw();
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });

  it('refuses bad options with usage and exit code 2, starting nothing', async () => {
    const cli = startCli(['--databases', 'some']);
    expect(await cli.exited).to.equal(2);
    expect(cli.output()).to.match(/--databases must be real or none/);
    expect(cli.output()).to.include('Usage: rds-broker emulator');
  });
});
