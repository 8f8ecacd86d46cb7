import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ensureAuthority } from '../../src/emulator/databases/certificates.js';
import { basicAuth, OsbClient, request, startBrokerProcess, type BrokerProcess } from '../support/http.js';

/**
 * The foundation's acceptance list, against `rds-broker serve --config examples/config.yaml` run as
 * a real process, exactly as an operator would start it — from a directory holding the emulator's
 * authority where the example's CA bundle path expects it (.rds-emulator/ca/ca.pem), with no
 * emulator listening: nothing here needs RDS. test/integration/example-config.test.ts runs the
 * example with the emulator.
 */
const example = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'config.yaml');
const exampleCredentials = { username: 'broker', password: 'local-only-broker-password' };
const service = '8f1ed6a0-3c0a-4c4e-9a55-4f0f3f2d9b11';
const small = '5a4b8a3e-6c43-4b0e-8f8e-2a3f4d5e6f01';
const instance = '/v2/service_instances/2f1e4c55-8a7b-4c3d-9e0f-123456789abc';

describe('serve --config examples/config.yaml', () => {
  let broker: BrokerProcess;
  let client: OsbClient;
  const dir = mkdtempSync(join(tmpdir(), 'rds-broker-example-'));

  before(async () => {
    await ensureAuthority(join(dir, '.rds-emulator', 'ca'));
    broker = await startBrokerProcess(['serve', '--config', example, '--port', '0'], undefined, undefined, dir);
    client = new OsbClient(broker.url, exampleCredentials);
  });
  after(async () => {
    const code = await broker?.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    expect(code).to.equal(0);
  });

  it('answers the catalog with the right headers', async () => {
    const res = await client.get('/v2/catalog', { headers: { 'X-Broker-API-Request-Identity': 'done-when-1' } });
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/json; charset=utf-8');
    expect(res.headers['x-broker-api-request-identity']).to.equal('done-when-1');
    expect(res.json.services[0].plans.map((p: any) => p.name)).to.deep.equal(['small', 'medium']);
  });

  it('412 without the version header', async () => {
    const res = await request(`${broker.url}/v2/catalog`, { headers: { Authorization: basicAuth(exampleCredentials) } });
    expect(res.status).to.equal(412);
    expect(res.json.description).to.be.a('string');
  });

  it('401 for missing or wrong credentials', async () => {
    const missing = await request(`${broker.url}/v2/catalog`, { headers: { 'X-Broker-API-Version': '2.17' } });
    expect(missing.status).to.equal(401);
    const wrong = await new OsbClient(broker.url, { username: 'broker', password: 'nope' }).get('/v2/catalog');
    expect(wrong.status).to.equal(401);
    expect(wrong.headers['www-authenticate']).to.contain('Basic');
  });

  it('400 for malformed JSON, an unknown plan and hostile instance IDs', async () => {
    const malformed = await client.put(`${instance}?accepts_incomplete=true`, '{"service_id":', {
      headers: { 'Content-Type': 'application/json' },
    });
    expect(malformed.status).to.equal(400);
    const unknownPlan = await client.put(`${instance}?accepts_incomplete=true`, { service_id: service, plan_id: 'not-a-plan' });
    expect(unknownPlan.status).to.equal(400);
    expect(unknownPlan.json.description).to.contain('not-a-plan');
    for (const id of ['..%2F..%2Fetc', 'a%20b', 'x%3Bdrop', 'a'.repeat(80), '%F0%9F%92%A5']) {
      const hostile = await client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, { service_id: service, plan_id: small });
      expect(hostile.status, id).to.equal(400);
    }
  });

  it('422 AsyncRequired without accepts_incomplete', async () => {
    const res = await client.put(instance, { service_id: service, plan_id: small });
    expect(res.status).to.equal(422);
    expect(res.json.error).to.equal('AsyncRequired');
  });

  it('413 for a 5 MB body, and stays healthy afterwards', async () => {
    const res = await client.put(`${instance}?accepts_incomplete=true`, Buffer.alloc(5 * 1024 * 1024, 0x20), {
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).to.equal(413);
    expect((await request(`${broker.url}/healthz`)).status).to.equal(200);
    expect((await client.get('/v2/catalog')).status).to.equal(200);
  });

  it('413 for every 5 MB upload of a client that asks to close the connection, never a reset', async () => {
    // Without a staged close the broker resets the connection under the still-arriving upload, and
    // the client sees EPIPE or ECONNRESET instead of the answer in most of these attempts.
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      const res = await client
        .put(`${instance}?accepts_incomplete=true`, Buffer.alloc(5 * 1024 * 1024, 0x20), {
          headers: { 'Content-Type': 'application/json', Connection: 'close' },
        })
        .catch((error: Error) => ({ status: error.message }));
      outcomes.push(String(res.status));
    }
    expect(outcomes.filter((outcome) => outcome !== '413')).to.deep.equal([]);
    expect((await request(`${broker.url}/healthz`)).status).to.equal(200);
    expect((await client.get('/v2/catalog')).status).to.equal(200);
  });

  it('answers operations that arrive with later work with an OSB error, not a crash', async () => {
    const res = await client.put(`${instance}?accepts_incomplete=true`, { service_id: service, plan_id: small });
    expect(res.status).to.be.at.least(400);
    expect(res.json.description).to.be.a('string');
    expect((await request(`${broker.url}/healthz`)).status).to.equal(200);
  });
});
