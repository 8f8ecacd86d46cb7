import { expect } from 'chai';
import { DatabaseError } from '../../../src/emulator/databases/errors.js';
import { binlogsFrom } from '../../../src/emulator/databases/mariadb-backup.js';
import {
  binlogStopTime,
  firstStartSql,
  nativePasswordHash,
  renderOptionFile,
  secureTransportRequired,
  selectMariadbParameters,
  sqlString,
  validateMariadbNames,
} from '../../../src/emulator/databases/mariadb-config.js';

/** The pure halves of the MariaDB engine. */
describe('emulator databases: MariaDB configuration (pure)', () => {
  it('hashes passwords as mysql_native_password stores them', () => {
    // MySQL's documented example: PASSWORD('password').
    expect(nativePasswordHash('password')).to.equal('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19');
  });

  it('quotes SQL strings so that quotes and backslashes stay data', () => {
    expect(sqlString("it's \\ fine")).to.equal("'it\\'s \\\\ fine'");
  });

  it('creates the administrator and master with hashes only, and removes the installer accounts', () => {
    const sql = firstStartSql({ adminPassword: 'admin-secret', masterUsername: 'admin', masterPassword: 'master-secret', dbName: 'app' });
    expect(sql).to.not.include('admin-secret');
    expect(sql).to.not.include('master-secret');
    expect(sql).to.include(`'admin'@'%' IDENTIFIED BY PASSWORD '${nativePasswordHash('master-secret')}'`);
    expect(sql).to.include("DELETE FROM mysql.global_priv WHERE User IN ('root', 'mysql', '')");
    expect(sql).to.include('CREATE DATABASE IF NOT EXISTS `app`');
    // The master gets RDS's list, never SUPER, FILE or SHUTDOWN; only rdsadmin gets everything.
    const masterGrant = sql.split(';\n').find((st) => st.startsWith('GRANT') && st.includes("'admin'@'%'"))!;
    expect(masterGrant).to.match(
      /^GRANT SELECT, INSERT, .*CREATE USER, EVENT, TRIGGER, DELETE HISTORY ON \*\.\* TO 'admin'@'%' WITH GRANT OPTION$/,
    );
    for (const privilege of ['SUPER', 'FILE', 'SHUTDOWN', 'ALL PRIVILEGES']) expect(masterGrant).to.not.include(privilege);
    expect(sql).to.include("GRANT ALL PRIVILEGES ON *.* TO 'rdsadmin'@'127.0.0.1' WITH GRANT OPTION");
  });

  it('passes parameter-group values as loose options, leaving out what the emulator owns', () => {
    const { settings, ignored } = selectMariadbParameters({
      'max-connections': '80',
      port: '1',
      rds_custom: '1',
      Sql_Mode: 'STRICT_TRANS_TABLES',
    });
    expect(settings).to.deep.equal([
      ['max_connections', '80'],
      ['sql_mode', 'STRICT_TRANS_TABLES'],
    ]);
    expect(ignored.sort()).to.deep.equal(['port', 'rds_custom']);
    const file = renderOptionFile({
      serverId: 7,
      dataDir: '/d/data',
      port: 3307,
      socket: '/d/run/s.sock',
      pidFile: '/d/run/p.pid',
      certFile: '/d/c',
      keyFile: '/d/k',
      caFile: '/d/ca',
      binlogDir: '/d/binlog',
      durable: false,
      bufferPool: '16M',
      maxConnections: 50,
      parameters: { max_connections: '80', require_secure_transport: '1' },
    });
    expect(file).to.match(/^\[mariadbd\]$/m);
    expect(file).to.match(/^port=3307$/m);
    expect(file).to.match(/^require-secure-transport=ON$/m);
    expect(file).to.match(/^loose-max-connections=80$/m);
    expect(file).to.match(/^log-bin=\/d\/binlog\/mysql-bin$/m);
  });

  it('refuses values an option file cannot hold, and paths with spaces', () => {
    const cases: Array<Record<string, string>> = [{ sql_mode: "a'b" }, { sql_mode: 'a\nport=1' }, { 'x y': '1' }, { init_connect: 'a#b' }];
    for (const bad of cases) {
      expect(() => selectMariadbParameters(bad))
        .to.throw(DatabaseError)
        .with.property('code', 'InvalidParameter');
    }
    expect(() =>
      renderOptionFile({
        serverId: 7,
        dataDir: '/with space/data',
        port: 1,
        socket: '/s',
        pidFile: '/p',
        certFile: '/c',
        keyFile: '/k',
        caFile: '/ca',
        binlogDir: '/b',
        durable: false,
        bufferPool: '16M',
        maxConnections: 1,
        parameters: {},
      }),
    ).to.throw(DatabaseError);
  });

  it('reads require_secure_transport as RDS parameter groups write it', () => {
    expect(secureTransportRequired({})).to.equal(false);
    expect(secureTransportRequired({ require_secure_transport: '1' })).to.equal(true);
    expect(secureTransportRequired({ require_secure_transport: 'ON' })).to.equal(true);
    expect(secureTransportRequired({ require_secure_transport: '0' })).to.equal(false);
  });

  it('validates master user and database names as RDS for MySQL does', () => {
    expect(() => validateMariadbNames('admin', 'app')).to.not.throw();
    for (const [user, db] of [
      ['rdsadmin', 'app'],
      ['1admin', 'app'],
      ['a'.repeat(33), 'app'],
      ['admin', 'app-db'],
      ['root', ''],
    ]) {
      expect(() => validateMariadbNames(user!, db!), `${user} ${db}`).to.throw(DatabaseError);
    }
  });

  it("replays binary logs from the backup's file on, up to the whole second of the target", () => {
    expect(
      binlogsFrom(['mysql-bin.000003', 'mysql-bin.index', 'mysql-bin.000001', 'mysql-bin.000002', 'complete-until'], 'mysql-bin.000002'),
    ).to.deep.equal(['mysql-bin.000002', 'mysql-bin.000003']);
    expect(binlogStopTime(new Date('2024-05-06T07:08:09.999Z'))).to.equal('2024-05-06 07:08:09');
  });
});
