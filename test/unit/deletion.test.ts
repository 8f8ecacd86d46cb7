import { expect } from 'chai';
import { deleteOptions } from '../../src/broker/deletion.js';
import type { ObservedInstance } from '../../src/reconcile/observed.js';

const now = new Date('2026-11-25T12:34:56Z');
const instance = (status: string, tags: Record<string, string> = {}): ObservedInstance => ({
  identifier: 'rdsb-abc',
  arn: 'arn',
  status,
  engine: 'postgres',
  engineVersion: '17.4',
  instanceClass: 'db.t4g.micro',
  allocatedStorage: 20,
  multiAz: false,
  vpcSecurityGroupIds: [],
  parameterGroups: [],
  backupRetentionPeriod: 7,
  pendingModifications: [],
  tags,
});

describe('how an instance is deleted', () => {
  it('takes a final snapshot, named after the instance and the time, and keeps automated backups', () => {
    expect(deleteOptions(instance('available'), now)).to.deep.equal({
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: 'rdsb-abc-final-20261125123456',
      deleteAutomatedBackups: false,
    });
  });
  it('follows the opt-outs recorded in tags', () => {
    expect(deleteOptions(instance('available', { SkipFinalSnapshot: 'true', DeleteAutomatedBackups: 'true' }), now)).to.deep.equal({
      skipFinalSnapshot: true,
      deleteAutomatedBackups: true,
    });
  });
  it('skips the snapshot RDS cannot take of a failed instance, keeping the automated backups', () => {
    expect(deleteOptions(instance('failed'), now)).to.deep.equal({ skipFinalSnapshot: true, deleteAutomatedBackups: false });
    expect(deleteOptions(instance('incompatible-restore'), now).skipFinalSnapshot).to.equal(true);
  });
});
