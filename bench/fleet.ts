import { RdsGateway } from '../src/aws/gateway.js';
import { ensureLocalParameterGroups } from '../src/local/parameter-groups.js';
import { benchPlans } from './broker-config.js';
import { writeBrokerConfig, type BenchContext } from './context.js';
import { settleAll } from './emulator-admin.js';
import type { EmulatorProcess } from './processes.js';
import { changePlan, inParallel, newInstanceIds, osbClient, provision, type Fleet } from './seed.js';

const SEED_CONCURRENCY = 32;

/**
 * Creates a fleet in flight through a broker of its own, over OSB, which is stopped before anything
 * is measured. That broker runs without a request budget (the emulator is not throttled while it
 * seeds), so seeding takes as long as the work, not RDS's 12 calls a second. With `split`, half the
 * fleet is provisioned, settled and moved to a larger plan (modifying), the rest left creating;
 * without it every instance is left creating.
 */
export async function seedFleet(
  ctx: BenchContext,
  emulator: EmulatorProcess,
  instances: number,
  split: boolean,
  name: string,
): Promise<Fleet> {
  const { file, document } = writeBrokerConfig(ctx, emulator, `broker-${name}-seed`, { coalescing: true, budget: { enabled: false } });
  // The local plans name parameter groups of their own, which must exist before anything is created.
  const rds = new RdsGateway({
    endpoint: emulator.url,
    region: document.aws.region,
    credentials: document.aws.credentials,
    retry: { maxAttempts: 3, budgetMs: 10_000, baseDelayMs: 100, maxDelayMs: 2000 },
    coalesce: { enabled: false, windowMs: 0, maxIdentifiers: 100 },
  });
  try {
    await ensureLocalParameterGroups(rds);
  } finally {
    rds.close();
  }
  const broker = await ctx.launch(file, `broker-${name}-seed.log`);
  try {
    const client = osbClient(broker.url, ctx.username, ctx.password);
    const updating = split ? newInstanceIds(Math.floor(instances / 2)) : [];
    const creating = newInstanceIds(instances - updating.length);
    if (updating.length > 0) {
      ctx.progress(`${name}: provisioning ${updating.length} instances, settling them to available, then changing their plan`);
      await inParallel(updating, SEED_CONCURRENCY, (id) => provision(client, benchPlans, id));
      await settleAll(emulator.url);
      await inParallel(updating, SEED_CONCURRENCY, (id) => changePlan(client, benchPlans, id));
    }
    ctx.progress(`${name}: provisioning ${creating.length} instances, left creating`);
    await inParallel(creating, SEED_CONCURRENCY, (id) => provision(client, benchPlans, id));
    return { creating, updating };
  } finally {
    await ctx.stop(broker);
  }
}
