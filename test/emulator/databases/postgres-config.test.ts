import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { subjectAltNames } from '../../../src/emulator/databases/certificates.js';
import { DatabaseError } from '../../../src/emulator/databases/errors.js';
import { scramVerifier } from '../../../src/emulator/databases/postgres-admin.js';
import { skippedInBackup } from '../../../src/emulator/databases/postgres-backup.js';
import {
  archiveCommand,
  confString,
  forceSsl,
  parsePostmasterPid,
  recoveryTime,
  renderHba,
  renderParameters,
  restoreCommand,
  selectServerParameters,
  shellWord,
} from '../../../src/emulator/databases/postgres-config.js';
import { validateSpec } from '../../../src/emulator/databases/postgres-layout.js';
import type { DatabaseSpec } from '../../../src/emulator/databases/types.js';

/** The pure halves of the PostgreSQL engine: what goes into configuration files, and what is refused. */
describe('emulator databases: PostgreSQL configuration (pure)', () => {
  it('quotes configuration strings as postgresql.conf reads them', () => {
    expect(confString("it's")).to.equal("'it''s'");
    expect(confString('a\\b')).to.equal("'a\\\\b'");
  });

  it('quotes shell words so that /bin/sh gives the exact text back', () => {
    for (const text of ["/tmp/with space/it's", '$HOME `x` "q"', '%p;rm -rf /']) {
      expect(execFileSync('/bin/sh', ['-c', `printf %s ${shellWord(text)}`], { encoding: 'utf8' })).to.equal(text);
    }
  });

  it('archives and restores through paths with quotes and percent signs', () => {
    const dir = "/data/it's 100%";
    // PostgreSQL replaces %p and %f and turns %% into %; what the shell then gets must name the directory.
    const expand = (command: string) => command.replaceAll('%p', 'pg_wal/X').replaceAll('%f', 'X').replaceAll('%%', '%');
    const archive = expand(archiveCommand(dir));
    expect(archive).to.include(`${shellWord(`${dir}/`)}X.gz.part`);
    expect(expand(restoreCommand(dir))).to.equal(`test -f ${shellWord(`${dir}/`)}X.gz && gzip -dc ${shellWord(`${dir}/`)}X.gz > pg_wal/X`);
  });

  it('writes recovery_target_time in a form PostgreSQL parses (no T, no Z)', () => {
    expect(recoveryTime(new Date('2024-05-06T07:08:09.123Z'))).to.equal('2024-05-06 07:08:09.123+00');
  });

  it('defaults rds.force_ssl as RDS does: on from PostgreSQL 15, off before', () => {
    expect(forceSsl({}, '16.4')).to.equal(true);
    expect(forceSsl({}, '15.2')).to.equal(true);
    expect(forceSsl({}, '14.11')).to.equal(false);
    expect(forceSsl({ 'rds.force_ssl': '0' }, '16.4')).to.equal(false);
    expect(forceSsl({ 'rds.force_ssl': '1' }, '13.1')).to.equal(true);
  });

  it('lets only TLS through pg_hba.conf while forced, and both otherwise', () => {
    expect(renderHba(true)).to.match(/^hostssl\s+all\s+all\s+127\.0\.0\.1\/32\s+scram-sha-256$/m);
    expect(renderHba(true)).to.not.match(/^host\s/m);
    expect(renderHba(false)).to.match(/^host\s+all\s+all\s+127\.0\.0\.1\/32\s+scram-sha-256$/m);
  });

  it('passes parameter-group values to the server, but not rds.* nor settings the emulator owns', () => {
    const { settings, ignored } = selectServerParameters({
      'rds.force_ssl': '1',
      port: '1',
      Work_Mem: '4MB',
      'pg_stat_statements.max': '500',
    });
    expect(settings).to.deep.equal([
      ['pg_stat_statements.max', '500'],
      ['work_mem', '4MB'],
    ]);
    expect(ignored.sort()).to.deep.equal(['port', 'rds.force_ssl']);
    expect(renderParameters({ search_path: '"$user", public, it\'s' })).to.include(`search_path = '"$user", public, it''s'`);
  });

  it('refuses names and values that could break out of the configuration file', () => {
    for (const bad of <Array<Record<string, string>>>[{ 'x = 1\nport': '5' }, { work_mem: '4MB\nport = 1' }, { 'a b': '1' }, { '': '1' }]) {
      expect(() => selectServerParameters(bad))
        .to.throw(DatabaseError)
        .with.property('code', 'InvalidParameter');
    }
  });

  it('reads postmaster.pid as pg_ctl does', () => {
    const content = '4242\n/data\n1700000000\n5432\n\n127.0.0.1\n  5432001  1\nready   \n';
    expect(parsePostmasterPid(content)).to.deep.equal({ pid: 4242, port: 5432, status: 'ready' });
    expect(parsePostmasterPid('4242\n/data\n')).to.deep.equal({ pid: 4242, port: undefined, status: 'unknown' });
    expect(parsePostmasterPid('')).to.equal(undefined);
  });

  it('keeps runtime files and WAL out of backups, but timeline history in', () => {
    const skipped = (path: string, dir = false) => skippedInBackup(path, dir);
    expect(skipped('postmaster.pid')).to.equal(true);
    expect(skipped('pg_wal/000000010000000000000003')).to.equal(true);
    expect(skipped('pg_wal/00000002.history')).to.equal(false);
    expect(skipped('pg_wal/archive_status', true)).to.equal(true);
    expect(skipped('pg_stat_tmp', true)).to.equal(true);
    expect(skipped('base/5/pgsql_tmp123.0')).to.equal(true);
    expect(skipped('base/5/16384')).to.equal(false);
    expect(skipped('global/pg_control')).to.equal(false);
  });

  it("computes SCRAM-SHA-256 verifiers that check out against RFC 7677's exchange (user/pencil)", () => {
    // RFC 7677 section 3: the client's proof and the server's signature of one exchange. A verifier
    // is right when its StoredKey validates that proof and its ServerKey produces that signature.
    const verifier = scramVerifier('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
    const match = /^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$([A-Za-z0-9+/=]{44}):([A-Za-z0-9+/=]{44})$/.exec(verifier);
    expect(match, verifier).to.not.equal(null);
    const storedKey = Buffer.from(match![1]!, 'base64');
    const serverKey = Buffer.from(match![2]!, 'base64');
    const nonce = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const authMessage = `n=user,r=rOprNGfwEbeRWgbNEkqO,r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=${nonce}`;
    const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
    const clientSignature = createHmac('sha256', storedKey).update(authMessage).digest();
    const clientKey = Buffer.from(proof.map((byte, i) => byte ^ clientSignature[i]!));
    expect(createHash('sha256').update(clientKey).digest().equals(storedKey)).to.equal(true);
    expect(createHmac('sha256', serverKey).update(authMessage).digest('base64')).to.equal('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });

  it('names 127.0.0.1 and localhost in every certificate, and refuses names that are not host names', () => {
    expect(subjectAltNames([])).to.deep.equal(['IP:127.0.0.1', 'DNS:localhost']);
    expect(subjectAltNames(['db-1.example.com', '::1', 'LOCALHOST'])).to.deep.equal([
      'IP:127.0.0.1',
      'DNS:localhost',
      'DNS:db-1.example.com',
      'IP:::1',
    ]);
    expect(() => subjectAltNames(['x,DNS:evil.com'])).to.throw(DatabaseError);
    expect(() => subjectAltNames(['a\nb'])).to.throw(DatabaseError);
  });

  it('refuses specs that would fail half-way, before anything is created', () => {
    const good: DatabaseSpec = {
      instanceId: 'db',
      engine: 'postgres',
      engineVersion: '16',
      masterUsername: 'master',
      masterPassword: 'x',
      dbName: 'app',
      dataDir: '/var/db',
      port: 5432,
      tls: { certFile: '/c', keyFile: '/k', caFile: '/ca' },
      parameters: {},
    };
    expect(() => validateSpec(good, ['rdsadmin'])).to.not.throw();
    const cases: Array<Partial<DatabaseSpec>> = [
      { masterUsername: 'rdsadmin' },
      { masterUsername: 'pg_admin' },
      { masterUsername: '1abc' },
      { masterUsername: 'a"b' },
      { masterPassword: '' },
      { masterPassword: 'a\nb' },
      { port: 0 },
      { port: 70000 },
      { dataDir: 'relative/dir' },
      { tls: { certFile: '', keyFile: '/k', caFile: '/ca' } },
      { instanceId: ' ' },
    ];
    for (const change of cases) {
      expect(() => validateSpec({ ...good, ...change }, ['rdsadmin']), JSON.stringify(change))
        .to.throw(DatabaseError)
        .with.property('code', 'InvalidSpec');
    }
  });
});
