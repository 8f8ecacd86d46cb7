/**
 * Provisions arriving together against the emulator's RDS-style throttle (300 burst, 12/s), through
 * the broker's gateway with its default request budget: each provision is what the broker's
 * provision sends (a coalesced DescribeDBInstances, then CreateDBInstance), at request priority.
 * Prints one JSON line: accepted, refused by the budget (the broker answers those 503 with
 * Retry-After), RDS calls by action, throttled calls, calls per second.
 *
 *   npx tsx bench/budget-burst.ts [--count 1000]
 */
import { parseArgs } from 'node:util';
import { BudgetExhaustedError, DEFAULT_BUDGET, withBudgetPriority } from '../src/aws/budget.js';
import { RdsGateway } from '../src/aws/gateway.js';
import { DEFAULT_RETRY } from '../src/aws/retry.js';
import { startEmulator } from '../src/emulator/index.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '1000' } } });
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1) throw new Error('--count must be a positive integer');

const emulator = await startEmulator({ speed: 0, databases: 'none', visibilityLagMs: 0, log: () => undefined });
const throttle = await fetch(`${emulator.url}/_emulator/throttle`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ burst: 300, ratePerSecond: 12 }),
});
if (!throttle.ok) throw new Error(`the emulator refused the throttle: ${throttle.status}`);
const outcomes: Record<string, number> = {};
const rds = new RdsGateway({
  region: emulator.region,
  endpoint: emulator.url,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' },
  retry: DEFAULT_RETRY,
  coalesce: { enabled: true, windowMs: 250, maxIdentifiers: 100 },
  budget: DEFAULT_BUDGET,
  onCall: (_action, outcome) => {
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  },
});
const started = performance.now();
const results = await Promise.allSettled(
  Array.from({ length: count }, (_, i) =>
    withBudgetPriority('request', async () => {
      const id = `burst-${i}`;
      await rds.describeInstance(id);
      return rds.createInstance({
        DBInstanceIdentifier: id,
        DBInstanceClass: 'db.t3.micro',
        Engine: 'postgres',
        MasterUsername: 'master',
        MasterUserPassword: 'master-password-1',
        AllocatedStorage: 20,
      });
    }),
  ),
);
const seconds = (performance.now() - started) / 1000;
const accepted = results.filter((r) => r.status === 'fulfilled').length;
const refused = results.filter((r) => r.status === 'rejected' && r.reason instanceof BudgetExhaustedError).length;
const stats = emulator.stats();
console.log(
  JSON.stringify({
    provisions: count,
    accepted,
    refused_by_budget: refused,
    failed_otherwise: count - accepted - refused,
    rds_calls: stats.total,
    by_action: stats.calls,
    throttled_calls: outcomes.throttled ?? 0,
    seconds: Math.round(seconds * 10) / 10,
    calls_per_second: Math.round((stats.total / seconds) * 10) / 10,
    budget: DEFAULT_BUDGET,
  }),
);
rds.close();
await emulator.stop();
