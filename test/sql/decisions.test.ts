import { expect } from 'chai';
import { classifyConnectionFailure, InvalidSqlInputError, redact } from '../../src/sql/errors.js';
import { encodeBindingMetadata, parseBindingMetadata } from '../../src/sql/metadata.js';
import { validateBindingPassword, validateBindingUsername } from '../../src/sql/names.js';
import { scramSha256Verifier } from '../../src/sql/passwords.js';
import { postgresClientConfig } from '../../src/sql/postgres/connection.js';
import { bindingDrift, type RoleState } from '../../src/sql/postgres/roles.js';
import { isRetryableConflict } from '../../src/sql/postgres/transaction.js';
import type { DatabaseTarget } from '../../src/sql/types.js';

describe('sql/ pure decisions', () => {
  describe('SCRAM verifier', () => {
    it('equals what PostgreSQL 17 stored for the same password and salt', () => {
      // Read from pg_authid after CREATE ROLE r PASSWORD 'pencil' on the embedded PostgreSQL 17.10.
      const fromPostgres =
        'SCRAM-SHA-256$4096:a2inSitOGhpFo7HmXRS87Q==$/NEqg3FiUKlUXCtE74RTvOcfo7XEW3+CykiDID0YsB4=:vYLZnW/F/m437ojwQSvh/qqmnjJBZSIaoP7mhmhekiI=';
      expect(scramSha256Verifier('pencil', Buffer.from('a2inSitOGhpFo7HmXRS87Q==', 'base64'))).to.equal(fromPostgres);
      expect(scramSha256Verifier('pencil2', Buffer.from('a2inSitOGhpFo7HmXRS87Q==', 'base64'))).not.to.equal(fromPostgres);
    });
    it('uses a fresh salt each time', () => {
      expect(scramSha256Verifier('pencil')).not.to.equal(scramSha256Verifier('pencil'));
    });
  });

  describe('binding usernames', () => {
    const accepted: Array<[engine: 'postgres' | 'mysql', name: string]> = [
      ['postgres', 'rdsb_abc'],
      ['postgres', `rdsb_${'a'.repeat(58)}`], // 63 bytes
      ['postgres', `rdsb_"; DROP ROLE x; --`],
      ['postgres', 'rdsb_ünïcødé 🐘'],
      ['mysql', `rdsb_${'a'.repeat(27)}`], // 32 characters
      ['mysql', `rdsb_'quote" ü`],
    ];
    const refused: Array<[engine: 'postgres' | 'mysql', name: string, why: RegExp]> = [
      ['postgres', 'abc', /start with/],
      ['postgres', 'rdsb_', /start with/],
      ['postgres', `rdsb_${'a'.repeat(59)}`, /64 bytes/],
      ['postgres', `rdsb_${'é'.repeat(30)}`, /65 bytes/],
      ['postgres', 'rdsb_owner', /reserved/],
      ['postgres', 'rdsb_readonly', /reserved/],
      ['postgres', 'rdsb_a\nb', /control/],
      ['postgres', 'rdsb_a\u0000b', /control/],
      ['mysql', `rdsb_${'a'.repeat(28)}`, /33 characters/],
      ['mysql', 'rdsb_🐘', /Basic Multilingual Plane/],
      ['mysql', 'rdsb_a ', /white space/],
    ];
    for (const [engine, name] of accepted) {
      it(`${engine} accepts ${JSON.stringify(name)}`, () => expect(() => validateBindingUsername(engine, name)).not.to.throw());
    }
    for (const [engine, name, why] of refused) {
      it(`${engine} refuses ${JSON.stringify(name)}`, () =>
        expect(() => validateBindingUsername(engine, name)).to.throw(InvalidSqlInputError, why));
    }
  });

  it('binding passwords: printable ASCII, 1 to 256 characters', () => {
    expect(() => validateBindingPassword('Abc-123 ~!@#$%^&*()\'"\\')).not.to.throw();
    for (const bad of ['', 'a'.repeat(257), 'naïve', 'tab\there', 'new\nline']) {
      expect(() => validateBindingPassword(bad), JSON.stringify(bad)).to.throw(InvalidSqlInputError);
    }
  });

  describe('role metadata', () => {
    it('round-trips hostile values', () => {
      const meta = { bindingId: `'); DROP TABLE x; -- "ü"\\`, secretId: 'k"1', readOnly: true };
      expect(parseBindingMetadata(encodeBindingMetadata(meta))).to.deep.equal(meta);
    });
    it('ignores comments that are not the broker marker', () => {
      for (const text of [
        null,
        '',
        'hello',
        '[]',
        '{"managedBy":"someone else","kind":"binding","bindingId":"a","secretId":"b","readOnly":false}',
        '{"managedBy":"rds-broker","kind":"owner"}',
        '{"managedBy":"rds-broker","kind":"binding","bindingId":1,"secretId":"b","readOnly":false}',
        '{"managedBy":"rds-broker","kind":"binding","bindingId":"a","secretId":"b","readOnly":"no"}',
      ]) {
        expect(parseBindingMetadata(text), String(text)).to.equal(undefined);
      }
    });
  });

  describe('connection failures', () => {
    const cases: Array<[error: unknown, kind: string]> = [
      [Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 'tls'],
      [Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'tls'],
      [new Error('The server does not support SSL connections'), 'tls'],
      [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'unreachable'],
      [new Error('timeout expired'), 'unreachable'],
      [new Error('Connection terminated unexpectedly'), 'unreachable'],
      [Object.assign(new Error('the database system is starting up'), { code: '57P03' }), 'unreachable'],
      [Object.assign(new Error('password authentication failed for user "m"'), { code: '28P01' }), 'auth'],
      [Object.assign(new Error('Access denied for user'), { code: 'ER_ACCESS_DENIED_ERROR' }), 'auth'],
      [Object.assign(new Error('permission denied for schema public'), { code: '42501' }), 'other'],
      ['a string thrown', 'other'],
    ];
    for (const [error, kind] of cases) {
      it(`${(error as Error).message ?? error} → ${kind}`, () => expect(classifyConnectionFailure(error).kind).to.equal(kind));
    }
    it('redacts secrets, however often they occur', () => {
      expect(redact('pw=Secret-1 and Secret-1 again, user=x', ['Secret-1', undefined, 'ab'])).to.equal('pw=*** and *** again, user=x');
    });
  });

  describe('TLS settings handed to node-postgres', () => {
    const target: DatabaseTarget = {
      engine: 'postgres',
      host: 'db.example.org',
      port: 5432,
      database: 'd',
      masterUsername: 'm',
      masterPassword: 'p',
      tls: { caPem: 'PEM', allowPlaintext: false },
      connectTimeoutMs: 1000,
    };
    it('verify against the given authority by default', () => {
      expect(postgresClientConfig(target, { username: 'm', password: 'p' }).ssl).to.deep.equal({ rejectUnauthorized: true, ca: 'PEM' });
    });
    it('verify against public roots when no authority is given (never "no verification")', () => {
      expect(postgresClientConfig({ ...target, tls: { allowPlaintext: false } }, { username: 'm', password: 'p' }).ssl).to.deep.equal({
        rejectUnauthorized: true,
      });
    });
    it('plain text only on explicit opt-out', () => {
      expect(
        postgresClientConfig({ ...target, tls: { caPem: 'PEM', allowPlaintext: true } }, { username: 'm', password: 'p' }).ssl,
      ).to.equal(false);
    });
  });

  it('retries only concurrency conflicts', () => {
    expect(isRetryableConflict({ code: '40P01' })).to.equal(true);
    expect(isRetryableConflict({ code: '23505' })).to.equal(true);
    expect(isRetryableConflict({ code: 'XX000', message: 'tuple concurrently updated' })).to.equal(true);
    expect(isRetryableConflict({ code: 'XX000', message: 'cache lookup failed' })).to.equal(false);
    expect(isRetryableConflict({ code: '42501' })).to.equal(false);
    expect(isRetryableConflict(new Error('no code'))).to.equal(false);
  });

  describe('binding drift', () => {
    const readWrite: RoleState = {
      canLogin: true,
      inherit: true,
      superuser: false,
      createRole: false,
      createDb: false,
      replication: false,
      bypassRls: false,
      connectionLimit: -1,
      neverExpires: true,
      config: ['role=rdsb_owner'],
      comment: '{"managedBy":"rds-broker","kind":"binding","bindingId":"b","secretId":"k","readOnly":false}',
      inOwner: true,
      inReadonly: false,
      masterHasPrivileges: true,
      masterCanSet: true,
      defaultAclRows: 5,
    };
    const readOnly: RoleState = {
      ...readWrite,
      config: ['default_transaction_read_only=on'],
      inOwner: false,
      inReadonly: true,
      defaultAclRows: 0,
      comment: '{"managedBy":"rds-broker","kind":"binding","bindingId":"b","secretId":"k","readOnly":true}',
    };
    const rw = { metadata: { bindingId: 'b', secretId: 'k', readOnly: false } };
    const ro = { metadata: { bindingId: 'b', secretId: 'k', readOnly: true } };

    it('none when the role is exactly as desired', () => {
      expect(bindingDrift(readWrite, rw)).to.deep.equal([]);
      expect(bindingDrift(readOnly, ro)).to.deep.equal([]);
    });
    const changes: Array<[string, Partial<RoleState>, 'rw' | 'ro', string]> = [
      ['NOLOGIN', { canLogin: false }, 'rw', 'cannot log in'],
      ['superuser', { superuser: true }, 'rw', 'is a superuser'],
      ['expiry', { neverExpires: false }, 'ro', 'has an expiry time'],
      ['connection limit', { connectionLimit: 3 }, 'rw', 'has a connection limit'],
      ['no session role', { config: [] }, 'rw', 'sessions do not run as the owner role'],
      [
        'read-only default on a writer',
        { config: ['role=rdsb_owner', 'default_transaction_read_only=on'] },
        'rw',
        'transactions start read-only',
      ],
      ['writer membership on a reader', { inOwner: true }, 'ro', 'is a member of the owner role'],
      ['reader without the read-only default', { config: [] }, 'ro', 'transactions do not start read-only'],
      ['reader switching role', { config: ['default_transaction_read_only=on', 'role=rdsb_owner'] }, 'ro', 'sessions switch role'],
      ['foreign comment', { comment: 'hand made' }, 'rw', 'metadata comment differs'],
      ['master not a member', { masterCanSet: false }, 'rw', 'master lacks membership'],
      ['missing default privileges', { defaultAclRows: 2 }, 'rw', 'default privileges towards the owner are missing'],
    ];
    for (const [name, change, kind, expected] of changes) {
      it(`reports ${name}`, () => {
        const base = kind === 'rw' ? readWrite : readOnly;
        expect(bindingDrift({ ...base, ...change }, kind === 'rw' ? rw : ro)).to.include(expected);
      });
    }
    it('a writer asked to become read-only differs in membership, session role and defaults', () => {
      expect(bindingDrift(readWrite, ro)).to.include.members([
        'is a member of the owner role',
        'is not a member of the read-only role',
        'sessions switch role',
        'metadata comment differs',
      ]);
    });
  });
});
