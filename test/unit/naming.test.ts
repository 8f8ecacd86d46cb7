import { expect } from 'chai';
import {
  bindingPassword,
  bindingUsername,
  masterPassword,
  rdsIdentifier,
  secretById,
  snapshotIdentifier,
} from '../../src/naming/derive.js';

const secret = { id: 'k1', value: 'a-derivation-secret-of-enough-length' };
const other = { id: 'k2', value: 'another-derivation-secret-entirely' };

describe('deterministic names and secrets', () => {
  it('derives the same master password for the same instance, another for another instance or secret', () => {
    const p = masterPassword(secret, 'inst-1');
    expect(p).to.equal(masterPassword(secret, 'inst-1'));
    expect(p).to.not.equal(masterPassword(secret, 'inst-2'));
    expect(p).to.not.equal(masterPassword(other, 'inst-1'));
    expect(p).to.have.length(32);
    // RDS refuses / " @ and spaces in master passwords.
    expect(p).to.match(/^[0-9A-Za-z]+$/);
  });

  it('binding passwords depend on instance and binding', () => {
    const p = bindingPassword(secret, 'i', 'b');
    expect(p).to.equal(bindingPassword(secret, 'i', 'b'));
    expect(p).to.not.equal(bindingPassword(secret, 'i', 'c'));
    expect(p).to.not.equal(bindingPassword(secret, 'j', 'b'));
    expect(p).to.not.equal(masterPassword(secret, 'i'));
  });

  it('binding usernames fit MySQL and PostgreSQL and keep hostile IDs out of SQL', () => {
    for (const id of ['b', "x'; DROP ROLE postgres; --", 'ü'.repeat(200), '"quoted"']) {
      const name = bindingUsername(id);
      expect(name).to.match(/^rdsb_[0-9a-f]{24}$/);
      expect(name.length).to.be.at.most(32);
    }
    expect(bindingUsername('a')).to.not.equal(bindingUsername('A'));
  });

  it('uses a GUID as it is in the RDS identifier and hashes anything RDS would refuse', () => {
    expect(rdsIdentifier('rdsb', '2f1e9d5c-0c4b-4b7e-9f3e-1c2d3e4f5a6b')).to.equal('rdsb-2f1e9d5c-0c4b-4b7e-9f3e-1c2d3e4f5a6b');
    const rdsRule = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
    for (const id of ['UPPER', 'under_score', 'double--hyphen', 'trailing-', 'x'.repeat(80)]) {
      const identifier = rdsIdentifier('rdsb', id);
      expect(identifier, id).to.match(rdsRule);
      expect(identifier.length, id).to.be.at.most(63);
    }
    expect(rdsIdentifier('rdsb', 'Case')).to.not.equal(rdsIdentifier('rdsb', 'case'));
  });

  it('builds snapshot identifiers within the limits', () => {
    const id = snapshotIdentifier(`rdsb-${'a'.repeat(58)}`, 'final-20261125120000');
    expect(id.length).to.be.at.most(63);
    expect(id).to.match(/-final-20261125120000$/);
    expect(id).to.not.match(/--/);
  });

  it('finds a secret by its recorded id, the newest when none is recorded', () => {
    expect(secretById([other, secret], 'k1')).to.equal(secret);
    expect(secretById([other, secret], undefined)).to.equal(other);
    expect(secretById([other], 'gone')).to.equal(undefined);
  });
});
