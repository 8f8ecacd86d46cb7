import { expect } from 'chai';
import { failedOperationFields } from '../../src/broker/failed-operation.js';
import type { ObservedInstance } from '../../src/reconcile/observed.js';

const instance = (status: string) => ({ status }) as ObservedInstance;

describe('failedOperationFields (OSB 2.16 instance_usable / update_repeatable)', () => {
  const cases: Array<[string, Parameters<typeof failedOperationFields>[0], string | undefined, object]> = [
    ['update, instance available', 'update', 'available', { instance_usable: true, update_repeatable: true }],
    ['upgrade, instance available', 'upgrade', 'available', { instance_usable: true, update_repeatable: true }],
    ['update, RDS failed', 'update', 'failed', { instance_usable: false, update_repeatable: false }],
    ['update, storage-full', 'update', 'storage-full', { instance_usable: false, update_repeatable: false }],
    ['update, instance gone', 'update', undefined, { instance_usable: false, update_repeatable: false }],
    ['deprovision, instance available', 'deprovision', 'available', { instance_usable: true }],
    ['deprovision, RDS failed', 'deprovision', 'failed', { instance_usable: false }],
    ['provision: neither field', 'provision', 'failed', {}],
    ['restore: neither field', 'restore', 'failed', {}],
    ['context: neither field', 'context', 'available', {}],
    ['unknown operation: neither field', undefined, 'failed', {}],
  ];
  for (const [title, operation, status, expected] of cases) {
    it(title, () => {
      expect(failedOperationFields(operation, status === undefined ? undefined : instance(status))).to.deep.equal(expected);
    });
  }
});
