import { expect } from 'chai';
import { isValidUpgrade, latestMinorUpgrade } from '../../src/broker/engine-versions.js';

const versions = [
  {
    EngineVersion: '17.2',
    ValidUpgradeTarget: [
      { EngineVersion: '17.4', IsMajorVersionUpgrade: false },
      { EngineVersion: '17.10', IsMajorVersionUpgrade: false },
      { EngineVersion: '18.1', IsMajorVersionUpgrade: true },
    ],
  },
  { EngineVersion: '17.10', ValidUpgradeTarget: [{ EngineVersion: '18.1', IsMajorVersionUpgrade: true }] },
];

describe('engine versions', () => {
  it('picks the newest minor of the same major, compared numerically', () => {
    expect(latestMinorUpgrade('17.2', versions)).to.equal('17.10');
    expect(latestMinorUpgrade('17.10', versions)).to.equal(undefined);
    expect(latestMinorUpgrade('16.1', versions)).to.equal(undefined);
  });
  it('accepts only the upgrade targets RDS lists', () => {
    expect(isValidUpgrade('17.2', '18.1', versions)).to.equal(true);
    expect(isValidUpgrade('17.10', '17.2', versions)).to.equal(false);
    expect(isValidUpgrade('16.1', '17.2', versions)).to.equal(false);
  });
});
