import { expect } from 'chai';
import { replicaIdentifiersToObserve, replicaSlots, replicaTags, servingReplicas } from '../../src/broker/replicas.js';
import { bindingCredentials } from '../../src/broker/credentials.js';
import { testConfig } from '../osb/fixtures.js';
import { replicaIdentifier } from '../../src/naming/derive.js';
import type { ObservedInstance } from '../../src/reconcile/observed.js';
import { reconcile, type ReconcileInput } from '../../src/reconcile/reconcile.js';
import { Step, Tag } from '../../src/reconcile/tags.js';

const now = new Date('2026-11-25T12:00:00Z');
const PRIMARY = 'rdsb-a';

function member(identifier: string, overrides: Partial<ObservedInstance> = {}, tags: Record<string, string> = {}): ObservedInstance {
  return {
    identifier,
    arn: `arn:aws:rds:eu-west-1:123456789012:db:${identifier}`,
    status: 'available',
    engine: 'postgres',
    engineVersion: '17.4',
    instanceClass: 'db.t4g.micro',
    allocatedStorage: 20,
    multiAz: false,
    vpcSecurityGroupIds: ['sg-1'],
    parameterGroups: [],
    backupRetentionPeriod: 0,
    pendingModifications: [],
    replicaSource: PRIMARY,
    replication: { status: 'replicating', normal: true },
    ...overrides,
    tags: { [Tag.brokerName]: 'b', [Tag.replicaOf]: PRIMARY, ...tags },
  };
}

const ready = (n: number) => member(`${PRIMARY}-r${n}`);

function primary(wanted: number, replicas: ObservedInstance[] | undefined, tags: Record<string, string> = {}): ObservedInstance {
  return {
    identifier: PRIMARY,
    arn: `arn:aws:rds:eu-west-1:123456789012:db:${PRIMARY}`,
    status: 'available',
    engine: 'postgres',
    engineVersion: '17.4',
    instanceClass: 'db.t4g.micro',
    allocatedStorage: 20,
    multiAz: false,
    vpcSecurityGroupIds: ['sg-1'],
    parameterGroups: [],
    backupRetentionPeriod: 7,
    pendingModifications: [],
    readReplicaIdentifiers: (replicas ?? []).filter((r) => r.replicaSource === PRIMARY).map((r) => r.identifier),
    ...(replicas ? { replicas } : {}),
    tags: {
      [Tag.brokerName]: 'b',
      [Tag.instanceId]: 'a',
      [Tag.readReplicas]: String(wanted),
      [Step.readReplicas]: 'true',
      ...tags,
    },
  };
}

function decide(observed: ObservedInstance, extra: Partial<ReconcileInput> = {}) {
  return reconcile(
    {
      observed,
      facts: {},
      settleSeconds: 60,
      replicaInstanceClass: 'db.t4g.small',
      replicaSlots: replicaSlots(observed.identifier, Number(observed.tags[Tag.readReplicas] ?? 0)),
      ...extra,
    },
    now,
  );
}

describe('unit: read replicas', () => {
  describe('derived identifiers', () => {
    it('are <primary>-r<n>', () => {
      expect(replicaSlots('rdsb-abc', 3)).to.deep.equal(['rdsb-abc-r1', 'rdsb-abc-r2', 'rdsb-abc-r3']);
    });
    it('stay within 63 characters, distinct for primaries that share a long beginning', () => {
      const a = `rdsb-${'a'.repeat(58)}`;
      const b = `rdsb-${'a'.repeat(57)}b`;
      for (const n of [1, 9, 15]) {
        const [ra, rb] = [replicaIdentifier(a, n), replicaIdentifier(b, n)];
        expect(ra.length).to.be.at.most(63);
        expect(ra).to.match(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
        expect(ra).to.not.equal(rb);
        expect(ra.endsWith(`-r${n}`)).to.equal(true);
      }
    });
  });

  describe('the replica step, as a table', () => {
    const cases: Array<[string, ObservedInstance, { state: string; action?: Record<string, unknown>; description: RegExp }]> = [
      [
        'none exists yet: create the first, with the plan’s replica class',
        primary(2, []),
        {
          state: 'in progress',
          action: { kind: 'create-replica', step: Step.readReplicas, resource: 'rdsb-a-r1', instanceClass: 'db.t4g.small' },
          description: /creating read replica rdsb-a-r1/,
        },
      ],
      [
        'the first is being created: create the second without waiting for it',
        primary(2, [member('rdsb-a-r1', { status: 'creating', replication: undefined })]),
        { state: 'in progress', action: { kind: 'create-replica', resource: 'rdsb-a-r2' }, description: /creating read replica rdsb-a-r2/ },
      ],
      [
        'both exist, one still creating: wait, naming it',
        primary(2, [ready(1), member('rdsb-a-r2', { status: 'creating', replication: undefined })]),
        { state: 'in progress', description: /^creating read replica rdsb-a-r2 \(creating\)$/ },
      ],
      [
        'available but not replicating yet: wait',
        primary(1, [member('rdsb-a-r1', { replication: undefined })]),
        { state: 'in progress', description: /rdsb-a-r1 \(replication not reported yet\)/ },
      ],
      [
        'every wanted replica available and replicating: the step is done',
        primary(2, [ready(1), ready(2)]),
        { state: 'in progress', action: { kind: 'complete-step', step: Step.readReplicas }, description: /read replicas ready/ },
      ],
      [
        'more than wanted: delete the highest first, without waiting for the others',
        primary(1, [ready(1), ready(2), ready(3)]),
        {
          state: 'in progress',
          action: { kind: 'delete-replica', step: Step.readReplicas, resource: 'rdsb-a-r3' },
          description: /deleting/,
        },
      ],
      [
        'the extra one is being deleted: wait for it to go',
        primary(1, [ready(1), member('rdsb-a-r2', { status: 'deleting' })]),
        { state: 'in progress', description: /^deleting read replica rdsb-a-r2$/ },
      ],
      [
        'zero wanted and none left: done',
        primary(0, []),
        { state: 'in progress', action: { kind: 'complete-step' }, description: /ready/ },
      ],
      [
        'a replica someone else made of this primary is left alone',
        primary(1, [ready(1), member('manual-copy', {}, { [Tag.replicaOf]: '' })]),
        { state: 'in progress', action: { kind: 'complete-step' }, description: /ready/ },
      ],
      [
        'a failed replica fails the operation',
        primary(1, [member('rdsb-a-r1', { status: 'incompatible-parameters' })]),
        { state: 'failed', description: /read replica rdsb-a-r1 as incompatible-parameters/ },
      ],
      [
        'replication in error fails it too, with RDS’s message',
        primary(1, [member('rdsb-a-r1', { replication: { status: 'error', normal: false, message: 'WAL gap' } })]),
        { state: 'failed', description: /replication error \(WAL gap\)/ },
      ],
      [
        'an instance of a derived name that is not this primary’s replica is not taken for one',
        primary(1, [member('rdsb-a-r1', { replicaSource: undefined }, { [Tag.replicaOf]: 'rdsb-other' })]),
        { state: 'failed', description: /rdsb-a-r1 exists and is not a read replica of this instance/ },
      ],
      [
        'the replicas were not read: read them before deciding (no action)',
        primary(1, undefined),
        { state: 'in progress', description: /reading the read replicas/ },
      ],
      [
        'the primary busy (a replica’s creation snapshot, say): wait for it first',
        { ...primary(2, []), status: 'backing-up' },
        { state: 'in progress', description: /RDS status: backing-up/ },
      ],
    ];
    for (const [name, observed, expected] of cases) {
      it(name, () => {
        const decision = decide(observed);
        expect(decision.state, decision.description).to.equal(expected.state);
        expect(decision.description).to.match(expected.description);
        if (expected.action) expect(decision.action).to.deep.include(expected.action);
        else expect(decision.action).to.equal(undefined);
      });
    }

    it('runs after the earlier steps (a restore’s users are gone before replicas copy the data)', () => {
      const decision = decide(primary(1, [], { [Step.neutraliseUsers]: 'true' }));
      expect(decision.action?.kind).to.equal('neutralise-users');
    });

    it('without the plan in the catalog it cannot choose a class: failed', () => {
      const decision = decide(primary(1, []), { replicaInstanceClass: undefined });
      expect(decision.state).to.equal('failed');
    });
  });

  describe('deprovision deletes the replicas first', () => {
    const deleting = (replicas: ObservedInstance[] | undefined, listed?: string[]) => {
      const p = primary(2, replicas, { [Step.delete]: 'true' });
      delete (p.tags as Record<string, string>)[Step.readReplicas];
      return listed ? { ...p, readReplicaIdentifiers: listed } : p;
    };
    const cases: Array<[string, ObservedInstance, { action?: Record<string, unknown>; description: RegExp }]> = [
      [
        'a replica left: delete it, without a final snapshot',
        deleting([ready(1), ready(2)]),
        { action: { kind: 'delete-replica', step: Step.delete, resource: 'rdsb-a-r1' }, description: /deleting read replica rdsb-a-r1/ },
      ],
      [
        'one deleting, one not: delete the other',
        deleting([member('rdsb-a-r1', { status: 'deleting' }), ready(2)]),
        { action: { kind: 'delete-replica', resource: 'rdsb-a-r2' }, description: /rdsb-a-r2/ },
      ],
      [
        'all deleting: wait',
        deleting([member('rdsb-a-r1', { status: 'deleting' })]),
        { description: /waiting for read replica rdsb-a-r1 before deleting the RDS instance/ },
      ],
      [
        'one still being created (RDS cannot delete it yet): wait, then delete it',
        deleting([member('rdsb-a-r1', { status: 'creating' })]),
        { description: /waiting for read replica rdsb-a-r1/ },
      ],
      [
        'none left: the primary itself, with its final snapshot',
        deleting([]),
        { action: { kind: 'delete', resource: PRIMARY }, description: /deleting the RDS instance/ },
      ],
      [
        'replicas listed by RDS but not read: wait rather than delete the primary under them',
        deleting(undefined, ['rdsb-a-r1']),
        { description: /waiting for read replica rdsb-a-r1/ },
      ],
    ];
    for (const [name, observed, expected] of cases) {
      it(name, () => {
        const decision = decide(observed, { operation: 'deprovision' });
        expect(decision.state).to.equal('in progress');
        expect(decision.description).to.match(expected.description);
        if (expected.action) expect(decision.action).to.deep.include(expected.action);
        else expect(decision.action).to.equal(undefined);
      });
    }
  });

  describe('what a read must describe with the primary', () => {
    it('nothing when no replica work is pending (the one read per poll stays one identifier)', () => {
      const idle = primary(2, undefined);
      delete (idle.tags as Record<string, string>)[Step.readReplicas];
      expect(replicaIdentifiersToObserve({ ...idle, readReplicaIdentifiers: ['rdsb-a-r1', 'rdsb-a-r2'] })).to.deep.equal([]);
    });
    it('the derived and the listed ones while the step is pending', () => {
      expect(replicaIdentifiersToObserve({ ...primary(2, undefined), readReplicaIdentifiers: ['rdsb-a-r3'] })).to.deep.equal([
        'rdsb-a-r1',
        'rdsb-a-r2',
        'rdsb-a-r3',
      ]);
    });
    it('the listed ones during a deletion and whenever the caller needs them', () => {
      const idle = { ...primary(0, undefined), readReplicaIdentifiers: ['rdsb-a-r1'] };
      delete (idle.tags as Record<string, string>)[Step.readReplicas];
      expect(replicaIdentifiersToObserve(idle, true)).to.deep.equal(['rdsb-a-r1']);
      expect(replicaIdentifiersToObserve({ ...idle, tags: { ...idle.tags, [Step.delete]: 'true' } })).to.deep.equal(['rdsb-a-r1']);
    });
  });

  it('a replica carries its primary’s broker, plan and tenant, names its primary, and has no Instance ID', () => {
    const tags = replicaTags(
      primary(1, [], { [Tag.owner]: 'rds-broker', [Tag.planId]: 'p', [Tag.organizationId]: 'o', [Tag.masterSecretId]: 's1' }),
      now,
    );
    expect(tags).to.deep.equal({
      [Tag.owner]: 'rds-broker',
      [Tag.brokerName]: 'b',
      [Tag.planId]: 'p',
      [Tag.organizationId]: 'o',
      [Tag.createdAt]: now.toISOString(),
      [Tag.replicaOf]: PRIMARY,
    });
  });

  describe('binding credentials', () => {
    const at = (port: number) => ({ endpoint: { address: `db-${port}.example`, port } });
    it('offer the replicas that serve reads, in replica order, and not those being made or deleted or of others', () => {
      const observed = primary(3, [
        member('rdsb-a-r10', at(5410)),
        member('rdsb-a-r2', at(5402)),
        member('rdsb-a-r3', { ...at(5403), status: 'creating' }),
        member('rdsb-a-r1', at(5401)),
        member('rdsb-a-r4', { ...at(5404), status: 'deleting' }),
        member('manual', at(5499), { [Tag.replicaOf]: '' }),
      ]);
      expect(servingReplicas(observed).map((r) => r.port)).to.deep.equal([5401, 5402, 5410]);
    });

    const plan = testConfig((d) => (d.catalog.services[0].plans[0].readReplicas = { max: 2 })).catalog.services[0]!.plans[0]!;
    const base = { host: 'primary.example', port: 5432, database: 'appdb', username: 'rdsb_u', password: 'p@ss', plan };
    it('PostgreSQL: each replica with the uri’s user, password and sslmode', () => {
      const credentials = bindingCredentials({ ...base, engine: 'postgres', replicas: [{ host: 'r1.example', port: 5433 }] });
      expect(credentials.replica_uris).to.deep.equal([
        `postgres://rdsb_u:p%40ss@r1.example:5433/appdb?sslmode=${plan.credentials.sslmode}`,
      ]);
      expect(credentials.replica_uri).to.equal((credentials.replica_uris as string[])[0]);
      expect(credentials.replica_jdbcUrls).to.deep.equal([
        `jdbc:postgresql://r1.example:5433/appdb?user=rdsb_u&password=p%40ss&ssl=true&sslmode=${plan.credentials.sslmode}`,
      ]);
      expect(credentials.uri).to.match(/@primary\.example:5432\//);
    });
    it('MySQL: each replica with ssl-mode as the uri has it', () => {
      const credentials = bindingCredentials({ ...base, engine: 'mysql', replicas: [{ host: 'r1.example', port: 3307 }] });
      expect(credentials.replica_uris).to.deep.equal(['mysql://rdsb_u:p%40ss@r1.example:3307/appdb?ssl-mode=REQUIRED']);
      expect(credentials.replica_jdbcUrls).to.deep.equal([
        'jdbc:mysql://r1.example:3307/appdb?user=rdsb_u&password=p%40ss&sslMode=REQUIRED',
      ]);
    });
    it('a plan with replicas but none yet: empty lists, no replica_uri; a plan without replicas: no replica fields', () => {
      const none = bindingCredentials({ ...base, engine: 'postgres', replicas: [] });
      expect(none).to.deep.include({ replica_uris: [], replica_jdbcUrls: [] });
      expect(none).to.not.have.property('replica_uri');
      const plain = testConfig().catalog.services[0]!.plans[0]!;
      expect(bindingCredentials({ ...base, plan: plain, engine: 'postgres' })).to.not.have.any.keys('replica_uris', 'replica_uri');
    });
  });
});
