/**
 * Figures for the emulator without databases: create rate, describe cost (one identifier, and 100
 * identifiers in a db-instance-id filter) and memory per instance. Not a test (no assertions):
 * `npx tsx test/emulator/measure-api.ts [instances]`. The emulator runs in a child process so its
 * own CPU time per request can be read from /proc (Linux): on a shared machine that figure holds
 * when wall-clock rates do not.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';

const count = Number(process.argv[2] ?? 1000);
const seconds = 5;
const concurrency = 16;
const ticksPerSecond = 100; // USER_HZ on Linux

const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--expose-gc',
    '-e',
    `
  const { startEmulator } = await import(${JSON.stringify(new URL('../../src/emulator/index.ts', import.meta.url).href)});
  const e = await startEmulator({ speed: 0, databases: 'none', visibilityLagMs: 0, log: () => undefined });
  console.log('URL ' + e.url);
  process.on('SIGTERM', () => e.stop().then(() => process.exit(0)));
`,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const url = new URL(
  await new Promise<string>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /URL (\S+)/.exec(chunk.toString());
      if (match) resolve(match[1]!);
    });
  }),
);

const cpuMs = () => {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
};
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
function post(body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode!));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
const line = (metric: string, value: number, unit: string) =>
  console.log(JSON.stringify({ metric, value: Math.round(value * 10) / 10, unit }));

async function load(name: string, body: (i: number) => string): Promise<void> {
  const latencies: number[] = [];
  const cpuBefore = cpuMs();
  const end = performance.now() + seconds * 1000;
  let i = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        if ((await post(body(i++))) !== 200) throw new Error(`${name} failed`);
        latencies.push(performance.now() - started);
      }
    }),
  );
  const cpu = cpuMs() - cpuBefore;
  latencies.sort((a, b) => a - b);
  line(`${name}_emulator_cpu_per_request`, (cpu * 1000) / latencies.length, 'µs');
  line(`${name}_capacity_per_core`, latencies.length / (cpu / 1000), 'req/s');
  line(`${name}_observed_rate`, latencies.length / seconds, 'req/s');
  line(`${name}_latency_p50`, latencies[Math.floor(latencies.length / 2)]!, 'ms');
  line(`${name}_latency_p99`, latencies[Math.floor(latencies.length * 0.99)]!, 'ms');
}

try {
  const rssBefore = rssKb();
  const cpuBefore = cpuMs();
  for (let i = 0; i < count; i++) {
    const status = await post(
      new URLSearchParams({
        Action: 'CreateDBInstance',
        Version: '2014-10-31',
        DBInstanceIdentifier: `bench-${i}`,
        DBInstanceClass: 'db.t3.micro',
        Engine: 'postgres',
        MasterUsername: 'master',
        MasterUserPassword: 'master-password-1',
        AllocatedStorage: '20',
        'Tags.Tag.1.Key': 'broker',
        'Tags.Tag.1.Value': 'bench',
      }).toString(),
    );
    if (status !== 200) throw new Error(`create ${i} answered ${status}`);
  }
  await fetch(`${url.origin}/_emulator/settle`, { method: 'POST' });
  line('create_emulator_cpu_per_instance', ((cpuMs() - cpuBefore) * 1000) / count, 'µs');
  line('rss_per_instance', (rssKb() - rssBefore) / count, 'KiB');
  line('instances', count, 'count');
  await load('describe_one', (i) => `Action=DescribeDBInstances&Version=2014-10-31&DBInstanceIdentifier=bench-${i % count}`);
  await load('describe_100_filtered', (i) => {
    const params = new URLSearchParams({ Action: 'DescribeDBInstances', Version: '2014-10-31', 'Filters.Filter.1.Name': 'db-instance-id' });
    for (let k = 0; k < 100; k++) params.set(`Filters.Filter.1.Values.Value.${k + 1}`, `bench-${(i * 100 + k) % count}`);
    return params.toString();
  });
} finally {
  child.kill('SIGTERM');
  agent.destroy();
}
