import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startEmulator } from '../../src/emulator/index.js';
import { localConfigDocument, newLocalSecret } from '../../src/local/config.js';
import { ensureLocalParameterGroups } from '../../src/local/parameter-groups.js';
import { Chaos, RESTORE_FAILPOINTS } from './support/chaos.js';
import { sturdyRdsClient, sturdyRdsGateway } from './support/database.js';
import { checkEndState, prepareSource, runFlow, type Flow } from './support/flows.js';
import { Platform } from './support/platform.js';
import { seededRandom, seedFor, summary } from './support/report.js';
import { freePort, scratchDir, ServeProcess, writeConfig } from './support/serve.js';

/**
 * Crashes: concurrent provision and restore flows, each a platform that keeps polling, while the one
 * broker process is SIGKILLed at random moments (and sometimes kills itself at a failpoint between a
 * step and its tag) and started again on the same address. Some flows bind and unbind during it.
 * At the end RDS must hold exactly the flows' instances, finished, and every database exactly the
 * roles of the bindings still live.
 */

const FLOWS = Number(process.env.RELIABILITY_CRASH_FLOWS ?? 20);

describe('reliability: broker SIGKILLed at random moments', function () {
  this.timeout(900_000);
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let scratch: ReturnType<typeof scratchDir>;
  let broker: ServeProcess;
  let chaos: Chaos | undefined;

  after(async () => {
    await chaos?.stop().catch(() => undefined);
    await broker?.stop();
    await emulator?.stop();
    scratch?.remove();
  });

  it(`${FLOWS} concurrent provision and restore flows all complete; no orphan, no duplicate, no leaked role`, async () => {
    const seed = seedFor('crashes');
    const random = seededRandom(seed);
    emulator = await startEmulator({ speed: 0, visibilityLagMs: 200, region: 'eu-west-1', log: () => undefined });
    const rds = sturdyRdsClient(emulator.url);
    const groups = sturdyRdsGateway(emulator.url);
    await ensureLocalParameterGroups(groups);
    groups.close();
    scratch = scratchDir('rdsb-crashes-');
    const secret = { id: 'local1', value: newLocalSecret() };
    const credentials = { username: 'platform', password: 'platform-password-for-crash-tests' };
    const document = localConfigDocument({
      port: 0,
      emulatorUrl: emulator.url,
      caFile: emulator.caFile,
      ...credentials,
      derivationSecret: secret.value,
    });
    broker = new ServeProcess('broker', writeConfig(scratch.dir, 'config.yaml', document), await freePort());
    await broker.start();
    const platform = new Platform(() => [broker.url], credentials);

    const sourceId = randomUUID();
    await prepareSource(platform, rds, sourceId, readFileSync(emulator.caFile, 'utf8'));

    // Half the flows restore from the source; every third binds twice and removes one of the two.
    const flows: Flow[] = Array.from({ length: FLOWS }, (_, i) => ({
      id: randomUUID(),
      kind: i % 2 === 0 ? 'provision' : 'restore',
      bindings: i % 3 === 0 ? { create: [`b-${i}-kept`, `b-${i}-removed`], remove: [`b-${i}-removed`] } : { create: [], remove: [] },
      states: [],
    }));

    chaos = new Chaos([broker], { random, upMs: [300, 1500], downMs: [0, 500], failpointShare: 0.5, failpoints: RESTORE_FAILPOINTS });
    chaos.start();
    const started = performance.now();
    const results = await Promise.allSettled(flows.map((flow) => runFlow(platform, flow, sourceId)));
    const seconds = Math.round((performance.now() - started) / 1000);
    await chaos.stop();

    const rejected = results.flatMap((r, i) => (r.status === 'rejected' ? [`${flows[i]!.id}: ${(r.reason as Error).message}`] : []));
    expect(rejected, 'flows that threw').to.deep.equal([]);
    expect(flows.filter((f) => f.outcome !== 'succeeded').map((f) => `${f.id} ${f.kind}: ${f.outcome}`)).to.deep.equal([]);
    expect(
      flows.filter((f) => f.states.includes('failed')).map((f) => f.id),
      'a poll answered failed',
    ).to.deep.equal([]);
    expect(chaos.record.crashes, 'deaths nobody caused').to.deep.equal([]);

    const expected = new Map<string, { roles: string[]; restored: boolean }>([[sourceId, { roles: ['source-binding'], restored: false }]]);
    for (const flow of flows)
      expected.set(flow.id, {
        roles: flow.bindings.create.filter((b) => !flow.bindings.remove.includes(b)),
        restored: flow.kind === 'restore',
      });
    const end = await checkEndState(rds, emulator.caFile, secret, expected);

    const deaths = chaos.record.kills + chaos.record.failpointDeaths.length;
    console.log(
      summary('crashes', {
        seed,
        flows: FLOWS,
        restores: flows.filter((f) => f.kind === 'restore').length,
        seconds,
        kills: chaos.record.kills,
        failpointDeaths: chaos.record.failpointDeaths,
        restarts: chaos.record.restarts,
        polls: flows.reduce((n, f) => n + f.states.length, 0),
        connectionRetries: platform.connectionRetries,
        bindings: flows.reduce((n, f) => n + f.bindings.create.length, 0),
        unbinds: flows.reduce((n, f) => n + f.bindings.remove.length, 0),
        ...end,
      }),
    );
    // The chaos must have struck while flows ran, or this proved nothing.
    expect(deaths, 'broker deaths during the flows').to.be.at.least(3);
    expect(platform.connectionRetries, 'requests that met a dead broker').to.be.greaterThan(0);
  });
});
