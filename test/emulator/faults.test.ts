import { expect } from 'chai';
import {
  DescribeDBEngineVersionsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { admin, rdsClient, rejection, startModelEmulator } from './helpers.js';

describe('emulator faults, throttling and counters', () => {
  let emulator: RunningEmulator;
  let rds: RDSClient;
  before(async () => {
    emulator = await startModelEmulator();
    rds = rdsClient(emulator);
  });
  after(() => emulator.stop());
  afterEach(async () => {
    await admin(emulator, 'DELETE', 'faults');
    await admin(emulator, 'POST', 'throttle', { enabled: false });
  });

  it('throttles with a token bucket: Throttling once the burst is spent', async () => {
    const set = await admin(emulator, 'POST', 'throttle', { burst: 3, ratePerSecond: 0 });
    expect(set.json).to.deep.equal({ enabled: true, burst: 3, ratePerSecond: 0 });
    for (let i = 0; i < 3; i++) await rds.send(new DescribeDBInstancesCommand({}));
    const error = await rejection(rds.send(new DescribeDBSubnetGroupsCommand({})));
    expect(error.name).to.equal('Throttling');
    expect(error.$metadata.httpStatusCode).to.equal(400);
    expect(error.message).to.equal('Rate exceeded');
  });

  it('Throttling is retried by the SDK as throttling, a client error is not', async () => {
    const patient = rdsClient(emulator, 3);
    await admin(emulator, 'POST', 'faults', {
      actions: ['DescribeDBInstances'],
      error: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
      count: 2,
    });
    const answer = await patient.send(new DescribeDBInstancesCommand({}));
    expect(answer.$metadata.attempts).to.equal(3);
    await admin(emulator, 'POST', 'faults', {
      actions: ['DescribeDBInstances'],
      error: { code: 'InvalidParameterValue', status: 400 },
      count: 1,
    });
    const error = await rejection(patient.send(new DescribeDBInstancesCommand({})));
    expect(error.name).to.equal('InvalidParameterValue');
    expect(error.$metadata.attempts).to.equal(1);
  });

  it('injects server errors on chosen actions for a number of calls', async () => {
    const created = await admin(emulator, 'POST', 'faults', {
      actions: ['DescribeDBInstances'],
      error: { code: 'InternalFailure', status: 500 },
      count: 2,
    });
    expect(created.status).to.equal(201);
    expect(created.json.id).to.be.a('string');
    for (let i = 0; i < 2; i++) {
      const error = await rejection(rds.send(new DescribeDBInstancesCommand({})));
      expect(error.name).to.equal('InternalFailure');
      expect(error.$fault).to.equal('server');
      expect(error.$metadata.httpStatusCode).to.equal(500);
    }
    await rds.send(new DescribeDBInstancesCommand({}));
    // Other actions were never affected.
    await rds.send(new DescribeDBSubnetGroupsCommand({}));
    expect((await admin(emulator, 'GET', 'faults')).json.faults).to.deep.equal([]);
  });

  it('injects errors with a probability on every action', async () => {
    await admin(emulator, 'POST', 'faults', {
      actions: ['*'],
      error: { code: 'ServiceUnavailable', status: 503 },
      probability: 0.2,
      seed: 7,
    });
    let failures = 0;
    for (let i = 0; i < 200; i++) {
      const response = await fetch(`${emulator.url}/?Action=DescribeDBInstances&Version=2014-10-31`);
      const body = await response.text();
      if (response.status === 503) {
        failures++;
        expect(body).to.include('<Type>Receiver</Type><Code>ServiceUnavailable</Code>');
      } else {
        expect(response.status).to.equal(200);
      }
    }
    // 20% of 200 is 40; a fair coin with that bias stays well within 15..70.
    expect(failures).to.be.within(15, 70);
  });

  it('adds latency without failing the call, and removes one rule by id', async () => {
    const slow = await admin(emulator, 'POST', 'faults', { actions: ['DescribeDBEngineVersions'], latencyMs: 20 });
    const failing = await admin(emulator, 'POST', 'faults', {
      actions: ['DescribeDBEngineVersions'],
      error: { code: 'InternalFailure', status: 500 },
    });
    expect((await admin(emulator, 'DELETE', `faults/${failing.json.id}`)).status).to.equal(200);
    const answer = await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'postgres', DefaultOnly: true }));
    expect(answer.DBEngineVersions).to.have.length(1);
    const rules = (await admin(emulator, 'GET', 'faults')).json.faults;
    expect(rules.map((r: { id: string; hits: number }) => [r.id, r.hits])).to.deep.equal([[slow.json.id, 1]]);
    expect((await admin(emulator, 'DELETE', 'faults/fault-999')).status).to.equal(404);
  });

  it('counts calls per action, errors per code, and resets', async () => {
    await admin(emulator, 'POST', 'stats/reset');
    await rds.send(new DescribeDBInstancesCommand({}));
    await rds.send(new DescribeDBInstancesCommand({}));
    await rejection(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'not-there' })));
    await rds.send(new DescribeDBSubnetGroupsCommand({}));
    const stats = (await admin(emulator, 'GET', 'stats')).json;
    expect(stats.total).to.equal(4);
    expect(stats.calls).to.deep.equal({ DescribeDBInstances: 3, DescribeDBSubnetGroups: 1 });
    expect(stats.errors).to.deep.equal({ DescribeDBInstances: { DBInstanceNotFound: 1 } });
    const reset = (await admin(emulator, 'POST', 'stats/reset')).json;
    expect(reset.total).to.equal(0);
    expect(emulator.stats().calls).to.deep.equal({});
  });

  it('refuses bad admin requests clearly and keeps serving', async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', 'faults', { actions: [] }, 400, /actions/],
      ['POST', 'faults', { actions: ['DescribeDBInstances'] }, 400, /error/],
      ['POST', 'faults', { actions: ['DescribeDBInstances'], error: { code: 'X', status: 200 } }, 400, /status/],
      ['POST', 'faults', { actions: ['DescribeDBInstances'], latencyMs: 5, probability: 2 }, 400, /probability/],
      ['POST', 'hold', { instance: '../../etc' }, 400, /instance/],
      ['POST', 'clock', {}, 400, /advanceMs/],
      ['POST', 'maintenance', { instance: 'nobody-here' }, 409, /no DB instance/],
      ['GET', 'nothing', undefined, 404, /no admin route/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const answer = await admin(emulator, method, path, body);
      expect(answer.status, `${method} ${path}`).to.equal(status);
      expect(answer.json.error).to.match(message);
    }
    const notJson = await fetch(`${emulator.url}/_emulator/faults`, { method: 'POST', body: '{nope' });
    expect(notJson.status).to.equal(400);
    expect((await admin(emulator, 'GET', 'health')).json).to.deep.equal({ ok: true });
  });

  it('serves the certificate authority as PEM', async () => {
    const answer = await admin(emulator, 'GET', 'ca.pem');
    expect(answer.status).to.equal(200);
    expect(answer.text).to.match(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
  });
});
