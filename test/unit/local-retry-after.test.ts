import { expect } from 'chai';
import { buildConfig } from '../../src/config/load.js';
import { localConfigDocument, retryAfterScaleFor } from '../../src/local/config.js';
import { effectiveRetryAfter, RetryAfter } from '../../src/reconcile/retry-after.js';

describe('local mode: Retry-After follows the emulator speed', () => {
  const settings = {
    port: 8080,
    emulatorUrl: 'http://127.0.0.1:4566',
    caFile: '/dev/null',
    username: 'broker',
    password: 'broker-password',
    derivationSecret: 'x'.repeat(32),
  };
  const scaleOf = (speed?: number) => buildConfig(localConfigDocument({ ...settings, speed }), {}).broker.retryAfterScale;

  it("takes the speed as the factor: at 0.05 a create's nominal 60 s become 3 s", () => {
    expect(scaleOf(0.05)).to.equal(0.05);
    expect(effectiveRetryAfter(RetryAfter.forStatus('creating'), scaleOf(0.05))).to.equal(3);
  });
  it('never answers later than RDS would, nor asks for a factor the configuration refuses', () => {
    expect(retryAfterScaleFor(3)).to.equal(1);
    expect(retryAfterScaleFor(0)).to.equal(0.01);
    expect(scaleOf(0)).to.equal(0.01);
  });
  it('leaves the factor at 1 when no speed is given (documents written for tests and tools)', () => {
    expect(scaleOf(undefined)).to.equal(1);
  });
});
