import { expect } from 'chai';
import {
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  PromoteReadReplicaCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { chainDepth, replicaRefusal } from '../../src/emulator/model/replicas.js';
import type { InstanceRecord } from '../../src/emulator/model/types.js';
import { baseInstance, rdsClient, rejection, startModelEmulator } from './helpers.js';

/** RDS's read-replica rules, through the SDK against the emulator without databases, and as pure decisions. */
describe('emulator read replicas: the rules', function () {
  this.timeout(60_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;

  before(async () => {
    emulator = await startModelEmulator();
    rds = rdsClient(emulator);
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'src', Engine: 'mysql', EngineVersion: '8.0.39' }));
    await emulator.settle();
  });
  after(async () => {
    await emulator?.stop();
  });

  it('allows 15 replicas per source, the 16th is InstanceQuotaExceeded; the source lists all 15', async () => {
    for (let n = 1; n <= 15; n++) {
      await rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: `src-r${n}`, SourceDBInstanceIdentifier: 'src' }));
    }
    const refused = await rejection(
      rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'src-r16', SourceDBInstanceIdentifier: 'src' })),
    );
    expect(refused.name).to.equal('InstanceQuotaExceededFault');
    await emulator.settle();
    const source = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'src' }))).DBInstances![0]!;
    expect(source.ReadReplicaDBInstanceIdentifiers).to.have.length(15);
    expect(source.ReadReplicaDBInstanceIdentifiers).to.include.members(['src-r1', 'src-r15']);
  });

  it('a replica is refused snapshots, backups and password changes; promoting a non-replica is refused', async () => {
    const snapshot = await rejection(rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'src-r1', DBSnapshotIdentifier: 's1' })));
    expect(snapshot.name).to.equal('InvalidDBInstanceStateFault');
    const backups = await rejection(
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'src-r1', BackupRetentionPeriod: 1, ApplyImmediately: true })),
    );
    expect(backups.name).to.equal('InvalidParameterCombination');
    const password = await rejection(
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'src-r1', MasterUserPassword: 'another-password-1' })),
    );
    expect(password.name).to.equal('InvalidParameterCombination');
    const notReplica = await rejection(rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: 'src' })));
    expect(notReplica.name).to.equal('InvalidDBInstanceStateFault');
    const unknown = await rejection(
      rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'x', SourceDBInstanceIdentifier: 'nope' })),
    );
    expect(unknown.name).to.equal('DBInstanceNotFoundFault');
  });

  it('deletes a replica without a final snapshot (none is possible); the source forgets it', async () => {
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'src-r15' }));
    await emulator.settle();
    const source = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'src' }))).DBInstances![0]!;
    expect(source.ReadReplicaDBInstanceIdentifiers).to.have.length(14).and.not.include('src-r15');
  });
});

describe('emulator read replicas: replicaRefusal', () => {
  const record = (identifier: string, extra: Partial<InstanceRecord> = {}) =>
    ({ identifier, engine: 'postgres', engineVersion: '16.4', backupRetentionPeriod: 1, ...extra }) as InstanceRecord;
  const chain = new Map<string, InstanceRecord>([
    ['a', record('a')],
    ['b', record('b', { readReplicaSource: 'a' })],
    ['c', record('c', { readReplicaSource: 'b' })],
    ['d', record('d', { readReplicaSource: 'c' })],
  ]);
  const lookup = (id: string) => chain.get(id);

  const cases: Array<[string, InstanceRecord, string, number, string | undefined]> = [
    ['an available source with backups', record('a'), 'available', 0, undefined],
    ['a source that is not available', record('a'), 'modifying', 0, 'InvalidDBInstanceState'],
    ['a source without backups', record('a', { backupRetentionPeriod: 0 }), 'available', 0, 'InvalidDBInstanceState'],
    ['a source with 15 replicas', record('a'), 'available', 15, 'InstanceQuotaExceeded'],
    ['a replica with backups (second level)', chain.get('b')!, 'available', 0, undefined],
    ['the third replica of a chain', chain.get('d')!, 'available', 0, 'InvalidDBInstanceState'],
    ['a PostgreSQL 13 replica', record('b', { readReplicaSource: 'a', engineVersion: '13.15' }), 'available', 0, 'InvalidDBInstanceState'],
    [
      'a MySQL replica of a replica',
      record('c', { readReplicaSource: 'b', engine: 'mysql', engineVersion: '8.0.39' }),
      'available',
      0,
      undefined,
    ],
  ];
  for (const [name, source, status, count, expected] of cases) {
    it(`${name}: ${expected ?? 'allowed'}`, () => {
      expect(replicaRefusal(source, status, count, lookup)?.code).to.equal(expected);
    });
  }

  it('counts the depth of a chain', () => {
    expect([...chain.values()].map((inst) => chainDepth(inst, lookup))).to.deep.equal([0, 1, 2, 3]);
  });
});
