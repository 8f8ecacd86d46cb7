import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { createConnection } from 'mysql2/promise';
import { createMariadbEngine } from '../../../src/emulator/databases/mariadb.js';
import type { DatabaseSpec } from '../../../src/emulator/databases/types.js';
import { Scratch } from './support.js';

const installed = existsSync('/usr/sbin/mariadbd') && existsSync('/usr/bin/mariadb-backup');

/** The master user of a real emulated MariaDB server has RDS's privileges, not every privilege. */
describe('emulator databases: the MariaDB master user has RDS privileges', function () {
  this.timeout(180_000);
  const engine = createMariadbEngine({ engine: 'mariadb' });
  let scratch: Scratch;
  let spec: DatabaseSpec;

  before(async function () {
    if (!installed) {
      console.log('      skipped: mariadb-server and mariadb-backup are not installed (apt-get install mariadb-server mariadb-backup)');
      this.skip();
    }
    scratch = await Scratch.create();
    spec = await scratch.spec('maria-rights', {}, 'mariadb');
    scratch.track(await engine.create(spec));
  });
  after(async () => {
    await scratch?.cleanUp();
  });

  it('holds no SUPER, FILE or SHUTDOWN; creates users and grants ALL on a database to them', async () => {
    const c = await createConnection({
      host: '127.0.0.1',
      port: spec.port,
      user: spec.masterUsername,
      password: spec.masterPassword,
      database: 'app',
      ssl: { ca: scratch.authority.caPem, rejectUnauthorized: true },
    });
    try {
      const [grants] = (await c.query('SHOW GRANTS FOR CURRENT_USER')) as unknown as [Array<Record<string, string>>];
      const global = Object.values(grants[0]!)[0]!;
      expect(global).to.match(/^GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, .* ON \*\.\* TO `master`@`%`/);
      expect(global).to.match(/WITH GRANT OPTION$/);
      for (const privilege of ['SUPER', 'FILE', 'SHUTDOWN', 'ALL PRIVILEGES']) expect(global).to.not.include(privilege);
      await c.query("CREATE USER 'rights_app'@'%' IDENTIFIED BY 'Rights-App-Password-1'");
      await c.query("GRANT ALL PRIVILEGES ON `app`.* TO 'rights_app'@'%'");
      const refused = async (sql: string) =>
        c.query(sql).then(
          () => 'succeeded',
          (error: { code?: string }) => error.code,
        );
      expect(await refused("SELECT 1 INTO OUTFILE '/tmp/rds-emulator-outfile-test'")).to.match(/^ER_(SPECIFIC_)?ACCESS_DENIED_ERROR$/);
      expect(await refused('SET GLOBAL max_connections = 10')).to.match(/^ER_(SPECIFIC_)?ACCESS_DENIED_ERROR$/);
      expect(await refused("GRANT SUPER ON *.* TO 'rights_app'@'%'")).to.match(/^ER_(SPECIFIC_)?ACCESS_DENIED_ERROR$/);
    } finally {
      await c.end();
    }
  });
});
