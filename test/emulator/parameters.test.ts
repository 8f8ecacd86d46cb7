import { expect } from 'chai';
import {
  CreateDBParameterGroupCommand,
  DescribeDBParametersCommand,
  DescribeEngineDefaultParametersCommand,
  ModifyDBParameterGroupCommand,
  ResetDBParameterGroupCommand,
  paginateDescribeDBParameters,
  paginateDescribeEngineDefaultParameters,
  type Parameter,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { findMariadbd } from '../../src/emulator/parameters/read-settings.js';
import { rdsClient, rejection, startModelEmulator } from './helpers.js';

/** A value the parameter's own AllowedValues admit (what an operator could send). */
function validValue(p: Parameter): string {
  const allowed = p.AllowedValues;
  if (p.DataType === 'boolean') return '1';
  if ((p.DataType === 'integer' || p.DataType === 'float') && allowed) {
    const range = /^(-?[\d.e+]+)-(-?[\d.e+]+)$/.exec(allowed);
    if (range) return range[1]!;
  }
  if (allowed) return allowed.split(',')[0]!;
  if (p.DataType === 'integer') return '1';
  if (p.DataType === 'float') return '1.5';
  return p.ParameterValue && !/[{}]/.test(p.ParameterValue) ? p.ParameterValue : 'value';
}

describe('emulator parameter catalog', function () {
  this.timeout(300_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;
  before(async () => {
    emulator = await startModelEmulator();
    rds = rdsClient(emulator);
  });
  after(() => emulator.stop());

  async function all(group: string, source?: string): Promise<Parameter[]> {
    const out: Parameter[] = [];
    for await (const page of paginateDescribeDBParameters({ client: rds, pageSize: 100 }, { DBParameterGroupName: group, Source: source }))
      out.push(...(page.Parameters ?? []));
    return out;
  }

  it('lists the whole PostgreSQL catalog from the server, RDS parameters included, with RDS units and types', async () => {
    const params = await all('default.postgres17');
    expect(params.length).to.be.greaterThan(350);
    const byName = new Map(params.map((p) => [p.ParameterName, p]));
    expect(byName.get('work_mem')).to.deep.include({
      Description: '(kB) Sets the maximum memory to be used for query workspaces.',
      ApplyType: 'dynamic',
      DataType: 'integer',
      AllowedValues: '64-2147483647',
      Source: 'engine-default',
      IsModifiable: true,
    });
    expect(byName.get('max_connections')).to.deep.include({
      ParameterValue: 'LEAST({DBInstanceClassMemory/9531392},5000)',
      ApplyType: 'static',
      Source: 'system',
    });
    expect(byName.get('shared_buffers')?.ParameterValue).to.equal('{DBInstanceClassMemory/32768}');
    expect(byName.get('log_statement')).to.deep.include({ DataType: 'string', AllowedValues: 'none,ddl,mod,all' });
    expect(byName.get('random_page_cost')?.DataType).to.equal('float');
    expect(byName.get('rds.log_retention_period')).to.deep.include({
      ParameterValue: '4320',
      AllowedValues: '1440-10080',
      ApplyType: 'dynamic',
    });
    expect(byName.get('pg_stat_statements.track')?.AllowedValues).to.equal('none,top,all');
    expect(byName.get('data_directory')?.IsModifiable).to.equal(false);
    // Settings no file can set (block_size, server_version) are not parameters, as on RDS.
    expect(byName.has('block_size')).to.equal(false);
    // PostgreSQL 17's new settings are not in a PostgreSQL 14 group.
    expect(byName.has('transaction_timeout')).to.equal(true);
    expect((await all('default.postgres14')).some((p) => p.ParameterName === 'transaction_timeout')).to.equal(false);
  });

  it('lists MariaDB system variables for MySQL and MariaDB families, static where read-only', async function () {
    if (!findMariadbd()) {
      console.log('    skipped: mariadbd is not installed, so the MariaDB catalog cannot be read');
      this.skip();
    }
    const params = await all('default.mariadb10.11');
    expect(params.length).to.be.greaterThan(450);
    const byName = new Map(params.map((p) => [p.ParameterName, p]));
    expect(byName.get('max_connections')).to.deep.include({ ParameterValue: '{DBInstanceClassMemory/12582880}', ApplyType: 'dynamic' });
    expect(byName.get('innodb_log_file_size')?.DataType).to.equal('integer');
    expect(byName.get('sql_mode')?.DataType).to.equal('list');
    expect(byName.get('binlog_format')?.AllowedValues).to.equal('MIXED,STATEMENT,ROW');
    expect(byName.get('long_query_time')).to.deep.include({ DataType: 'float', AllowedValues: '0-31536000' });
    expect(byName.get('datadir')?.IsModifiable).to.equal(false);
    expect([...byName.keys()].some((n) => n?.startsWith('wsrep_'))).to.equal(false);
    expect((await all('default.mysql8.0')).length).to.equal(params.length);
  });

  it('accepts every modifiable parameter of every default group, with a value its AllowedValues admit', async () => {
    const families = ['postgres14', 'postgres17', ...(findMariadbd() ? ['mysql8.0', 'mariadb11.4'] : [])];
    for (const family of families) {
      const name = `every-${family.replace('.', '-')}`;
      await rds.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: name, DBParameterGroupFamily: family, Description: 'all' }));
      const modifiable = (await all(`default.${family}`)).filter((p) => p.IsModifiable);
      for (let i = 0; i < modifiable.length; i += 20) {
        const batch = modifiable.slice(i, i + 20).map((p) => ({
          ParameterName: p.ParameterName,
          ParameterValue: validValue(p),
          ApplyMethod: p.ApplyType === 'static' ? ('pending-reboot' as const) : ('immediate' as const),
        }));
        await rds.send(new ModifyDBParameterGroupCommand({ DBParameterGroupName: name, Parameters: batch }));
      }
      expect((await all(name, 'user')).length, family).to.equal(modifiable.length);
    }
  });

  it("refuses values RDS refuses, with RDS's messages", async () => {
    await rds.send(
      new CreateDBParameterGroupCommand({ DBParameterGroupName: 'strict', DBParameterGroupFamily: 'postgres16', Description: 'v' }),
    );
    const modify = (ParameterName: string, ParameterValue: string, ApplyMethod: 'immediate' | 'pending-reboot' = 'pending-reboot') =>
      rejection(
        rds.send(
          new ModifyDBParameterGroupCommand({
            DBParameterGroupName: 'strict',
            Parameters: [{ ParameterName, ParameterValue, ApplyMethod }],
          }),
        ),
      );
    const range = await modify('rds.log_retention_period', '100', 'immediate');
    expect([range.name, range.message]).to.deep.equal([
      'InvalidParameterValue',
      'Value: 100 is outside of range: 1440-10080 for parameter: rds.log_retention_period',
    ]);
    const owned = await modify('data_directory', '/elsewhere');
    expect([owned.name, owned.message]).to.deep.equal(['InvalidParameterValue', 'The parameter data_directory cannot be modified.']);
    expect((await modify('port', '6543')).message).to.equal('The parameter port cannot be modified.');
    const formula = await modify('max_connections', 'DBInstanceClassMemory/9531392');
    expect(formula.message).to.equal('invalid parameter value: DBInstanceClassMemory/9531392');
    expect((await modify('log_statement', 'everything', 'immediate')).message).to.match(/Allowed values are: none,ddl,mod,all/);
    expect((await modify('work_mem', 'lots', 'immediate')).message).to.match(/not an integer/);
    expect((await modify('no_such_setting', '1')).message).to.equal('Could not find parameter with name: no_such_setting');
    expect((await modify('max_connections', '300', 'immediate')).name).to.equal('InvalidParameterCombination');
    // A formula RDS accepts is stored as written.
    await rds.send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: 'strict',
        Parameters: [
          {
            ParameterName: 'max_connections',
            ParameterValue: 'LEAST({DBInstanceClassMemory/9531392},5000)',
            ApplyMethod: 'pending-reboot',
          },
        ],
      }),
    );
    expect((await all('strict', 'user')).map((p) => [p.ParameterName, p.ParameterValue])).to.deep.equal([
      ['max_connections', 'LEAST({DBInstanceClassMemory/9531392},5000)'],
    ]);
  });

  it('DescribeEngineDefaultParameters pages through the same parameters as the default group', async () => {
    const pages: Parameter[][] = [];
    let family: string | undefined;
    for await (const page of paginateDescribeEngineDefaultParameters(
      { client: rds, pageSize: 50 },
      { DBParameterGroupFamily: 'postgres15' },
    )) {
      family = page.EngineDefaults?.DBParameterGroupFamily;
      pages.push(page.EngineDefaults?.Parameters ?? []);
    }
    expect(family).to.equal('postgres15');
    expect(pages.length).to.be.greaterThan(5);
    expect(pages.slice(0, -1).every((p) => p.length === 50)).to.equal(true);
    const names = pages.flat().map((p) => p.ParameterName);
    expect(new Set(names).size).to.equal(names.length);
    expect(names).to.deep.equal((await all('default.postgres15')).map((p) => p.ParameterName));
    const first = await rds.send(new DescribeEngineDefaultParametersCommand({ DBParameterGroupFamily: 'postgres15', MaxRecords: 20 }));
    expect(first.EngineDefaults?.Parameters).to.have.length(20);
    expect(first.EngineDefaults?.Marker).to.be.a('string');
    const unknown = await rejection(rds.send(new DescribeEngineDefaultParametersCommand({ DBParameterGroupFamily: 'postgres9' })));
    expect(unknown.name).to.equal('InvalidParameterValue');
  });

  it('filters DescribeDBParameters by Source: the three sources partition the group', async () => {
    await rds.send(
      new CreateDBParameterGroupCommand({ DBParameterGroupName: 'sources', DBParameterGroupFamily: 'postgres17', Description: 's' }),
    );
    await rds.send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: 'sources',
        Parameters: [
          { ParameterName: 'work_mem', ParameterValue: '8192', ApplyMethod: 'immediate' },
          { ParameterName: 'rds.log_retention_period', ParameterValue: '1440', ApplyMethod: 'immediate' },
        ],
      }),
    );
    const every = await all('sources');
    const user = await all('sources', 'user');
    const system = await all('sources', 'system');
    const engine = await all('sources', 'engine-default');
    expect(user.map((p) => p.ParameterName)).to.deep.equal(['rds.log_retention_period', 'work_mem']);
    expect(user.every((p) => p.Source === 'user')).to.equal(true);
    expect(system.every((p) => p.Source === 'system')).to.equal(true);
    expect(engine.every((p) => p.Source === 'engine-default')).to.equal(true);
    expect(user.length + system.length + engine.length).to.equal(every.length);
    const bad = await rejection(rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: 'sources', Source: 'mine' })));
    expect(bad.name).to.equal('InvalidParameterValue');
  });

  it('resets a list of parameters, or all of them', async () => {
    await rds.send(
      new CreateDBParameterGroupCommand({ DBParameterGroupName: 'resets', DBParameterGroupFamily: 'postgres17', Description: 'r' }),
    );
    await rds.send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: 'resets',
        Parameters: [
          { ParameterName: 'work_mem', ParameterValue: '8192', ApplyMethod: 'immediate' },
          { ParameterName: 'statement_timeout', ParameterValue: '5000', ApplyMethod: 'immediate' },
          { ParameterName: 'max_connections', ParameterValue: '80', ApplyMethod: 'pending-reboot' },
        ],
      }),
    );
    const answer = await rds.send(
      new ResetDBParameterGroupCommand({
        DBParameterGroupName: 'resets',
        Parameters: [{ ParameterName: 'work_mem', ApplyMethod: 'immediate' }],
      }),
    );
    expect(answer.DBParameterGroupName).to.equal('resets');
    expect((await all('resets', 'user')).map((p) => p.ParameterName)).to.deep.equal(['max_connections', 'statement_timeout']);
    await rds.send(new ResetDBParameterGroupCommand({ DBParameterGroupName: 'resets', ResetAllParameters: true }));
    expect(await all('resets', 'user')).to.deep.equal([]);
    const workMem = (await all('resets')).find((p) => p.ParameterName === 'work_mem');
    expect(workMem?.Source).to.equal('engine-default');
  });
});
