import { expect } from 'chai';
import { absentAnswer, type Endpoint, type Presence } from '../../src/broker/presence.js';
import type { ObservedInstance } from '../../src/reconcile/observed.js';

const foreignInstance = { identifier: 'tb-x', tags: {} } as unknown as ObservedInstance;
const missing: Presence = { kind: 'missing' };
const foreign: Presence = {
  kind: 'foreign',
  observed: foreignInstance,
  problem: 'RDS instance tb-x belongs to broker "other", not this one',
};

describe('missing and foreign instances: one answer per endpoint (the OSB tables)', () => {
  const table: Array<[Endpoint, number, number]> = [
    // endpoint, missing, foreign
    ['poll', 404, 404],
    ['poll-deprovision', 410, 404],
    ['fetch-instance', 404, 404],
    ['update', 404, 422],
    ['deprovision', 410, 422],
    ['bind', 404, 422],
    ['fetch-binding', 404, 404],
    ['unbind', 410, 422],
  ];
  for (const [endpoint, whenMissing, whenForeign] of table) {
    it(`${endpoint}: missing → ${whenMissing}, not this broker's → ${whenForeign}`, () => {
      expect(absentAnswer(endpoint, missing as Exclude<Presence, { kind: 'own' }>).status).to.equal(whenMissing);
      expect(absentAnswer(endpoint, foreign as Exclude<Presence, { kind: 'own' }>).status).to.equal(whenForeign);
    });
  }

  it("names the reason an instance is not this broker's", () => {
    expect(absentAnswer('deprovision', foreign as Exclude<Presence, { kind: 'own' }>).description).to.contain('belongs to broker "other"');
    expect(absentAnswer('poll', foreign as Exclude<Presence, { kind: 'own' }>).description).to.contain('belongs to broker "other"');
  });
});
