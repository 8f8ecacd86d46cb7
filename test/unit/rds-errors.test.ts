import { expect } from 'chai';
import { toRdsError } from '../../src/aws/errors.js';

/** What the SDK throws, reduced to the fields toRdsError reads. */
const sdkError = (name: string, status: number, fault: 'client' | 'server' = 'client') =>
  Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: status }, $fault: fault });

describe('toRdsError: kinds of RDS failure', () => {
  const cases: Array<[string, number, 'client' | 'server', string]> = [
    ['AccessDenied', 403, 'client', 'denied'],
    ['InvalidClientTokenId', 403, 'client', 'denied'],
    ['SignatureDoesNotMatch', 403, 'client', 'denied'],
    ['DBInstanceNotFound', 404, 'client', 'not-found'],
    ['DBInstanceAlreadyExists', 400, 'client', 'already-exists'],
    ['InvalidDBInstanceState', 400, 'client', 'invalid-state'],
    ['Throttling', 400, 'client', 'throttled'],
    ['InternalFailure', 500, 'server', 'transient'],
    ['InvalidParameterCombination', 400, 'client', 'rejected'],
  ];
  for (const [name, status, fault, kind] of cases) {
    it(`${name} (HTTP ${status}) is ${kind}`, () => {
      const error = toRdsError(sdkError(name, status, fault), 'CreateDBInstance');
      expect(error.kind).to.equal(kind);
      expect(error.code).to.equal(name);
      expect(error.retryable).to.equal(kind === 'throttled' || kind === 'transient');
    });
  }
});
