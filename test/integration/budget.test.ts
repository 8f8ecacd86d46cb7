import { expect } from 'chai';
import { RdsGateway, type RdsGatewayOptions } from '../../src/aws/gateway.js';
import { BudgetExhaustedError, DEFAULT_BUDGET, withBudgetPriority, type BudgetSettings } from '../../src/aws/budget.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { admin, baseInstance, startModelEmulator } from '../emulator/helpers.js';

/**
 * The request budget against the emulator's RDS-style throttle (one token bucket per account), with
 * the real SDK. Counts only, never times: how many calls went, how many RDS throttled, how many
 * were refused before they were sent.
 */
describe('RDS request budget against the throttled emulator', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  const gateways: RdsGateway[] = [];

  function gateway(budget: Partial<BudgetSettings>, outcomes: Record<string, number>): RdsGateway {
    const options: RdsGatewayOptions = {
      region: emulator.region,
      endpoint: emulator.url,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' },
      retry: { maxAttempts: 5, budgetMs: 10_000, baseDelayMs: 50, maxDelayMs: 500 },
      coalesce: { enabled: false, windowMs: 0, maxIdentifiers: 100 },
      budget: { ...DEFAULT_BUDGET, ...budget },
      onCall: (_action, outcome) => {
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      },
    };
    const made = new RdsGateway(options);
    gateways.push(made);
    return made;
  }

  before(async () => {
    emulator = await startModelEmulator();
  });
  after(async () => {
    for (const g of gateways) g.close();
    await emulator.stop();
  });
  afterEach(async () => {
    await admin(emulator, 'POST', 'throttle', { enabled: false });
  });

  it('provisions arriving together: as many created as the budget allows, the rest refused before sending, none throttled', async () => {
    const throttle = await admin(emulator, 'POST', 'throttle', { burst: 30, ratePerSecond: 5 });
    expect(throttle.status).to.equal(200);
    const before = emulator.stats().calls.CreateDBInstance ?? 0;
    const outcomes: Record<string, number> = {};
    const rds = gateway({ burst: 25, ratePerSecond: 4, maxWaitMs: 1500 }, outcomes);
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) =>
        withBudgetPriority('request', () => rds.createInstance({ ...baseInstance, DBInstanceIdentifier: `budget-burst-${i}` })),
      ),
    );
    const created = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter((r) => r.status === 'rejected' && r.reason instanceof BudgetExhaustedError);
    // Everything is either created or refused by the budget; nothing failed any other way.
    expect(created + refused.length).to.equal(60);
    expect(created).to.be.at.least(25); // the whole burst, at least
    expect(refused.length).to.be.at.least(1); // 60 is more than 25 + 4/s × 1.5 s
    for (const r of refused) expect((r as PromiseRejectedResult).reason.retryAfterSeconds).to.be.at.least(1);
    // One CreateDBInstance per instance created: no throttled retries burned the budget.
    expect((emulator.stats().calls.CreateDBInstance ?? 0) - before).to.equal(created);
    expect(outcomes.throttled ?? 0).to.equal(0);
    expect(outcomes.ok).to.equal(created);
  });

  it('adapts when RDS throttles what the configured budget allowed: the rate falls and every call still succeeds', async () => {
    await admin(emulator, 'POST', 'throttle', { burst: 10, ratePerSecond: 20 });
    const outcomes: Record<string, number> = {};
    const rds = gateway({ burst: 40, ratePerSecond: 40, maxWaitMs: 30_000 }, outcomes);
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => withBudgetPriority('poll', () => rds.listInstances())));
    expect(results.filter((r) => r.status === 'rejected')).to.deep.equal([]);
    expect(outcomes.throttled ?? 0).to.be.at.least(1); // the emulator's burst of 10 was overrun
    expect(rds.budget!.rate).to.be.below(40);
    expect(outcomes.ok).to.equal(40);
  });
});
