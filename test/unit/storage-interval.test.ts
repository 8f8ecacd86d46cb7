import { expect } from 'chai';
import { lastStorageChange, storageIntervalMessage } from '../../src/broker/storage-interval.js';
import { STORAGE_BEING_OPTIMIZED, storageChangeRefusal } from '../../src/emulator/model/storage-interval.js';
import type { InstanceRecord } from '../../src/emulator/model/types.js';

describe('one storage change every six hours', () => {
  it("finds the last storage change among RDS's events, ignoring other configuration changes", () => {
    const at = (iso: string) => new Date(iso);
    const last = lastStorageChange([
      { Message: 'Finished applying modification to allocated storage', Date: at('2026-01-01T10:00:00Z') },
      { Message: 'Finished applying autoscaling-initiated modification to allocated storage', Date: at('2026-01-01T12:30:00Z') },
      { Message: 'Finished applying modification to DB instance class', Date: at('2026-01-01T13:00:00Z') },
      { Message: 'Finished applying modification to convert to a Multi-AZ DB instance', Date: at('2026-01-01T14:00:00Z') },
    ]);
    expect(last?.toISOString()).to.equal('2026-01-01T12:30:00.000Z');
    expect(lastStorageChange([{ Message: 'DB instance restarted', Date: at('2026-01-01T10:00:00Z') }])).to.equal(undefined);
  });

  it('says when to try again, or only that it was recent when the events do not show it', () => {
    expect(storageIntervalMessage(new Date('2026-01-01T12:30:00.250Z'))).to.equal(
      'RDS allows one storage change every six hours; the last one was at 2026-01-01T12:30:00Z; try again after 2026-01-01T18:30:00Z',
    );
    expect(storageIntervalMessage(undefined)).to.match(/^RDS allows one storage change every six hours.*try again later$/);
  });

  it('the emulator refuses within six hours of the last applied change and while a storage optimization is ahead', () => {
    const base = { lastStorageChangeAt: 1_000 } as InstanceRecord;
    expect(storageChangeRefusal(base, 1_000 + 6 * 3_600_000 - 1)).to.equal(STORAGE_BEING_OPTIMIZED);
    expect(storageChangeRefusal(base, 1_000 + 6 * 3_600_000)).to.equal(undefined);
    expect(storageChangeRefusal({} as InstanceRecord, 0), 'never changed (created only)').to.equal(undefined);
    const optimizing = {
      transition: { index: 0, phases: [{ status: 'modifying' }, { status: 'storage-optimization' }] },
    } as unknown as InstanceRecord;
    expect(storageChangeRefusal(optimizing, 0)).to.equal(STORAGE_BEING_OPTIMIZED);
  });
});
