import { expect } from 'chai';
import { apiVersionProblem } from '../../src/osb/middleware/api-version.js';
import { parseOriginatingIdentity } from '../../src/osb/middleware/originating-identity.js';
import { chooseRequestId } from '../../src/osb/middleware/request-id.js';
import { basicAuth, request, startTestServer, type TestServer } from '../support/http.js';
import { credentials, INSTANCE, RecordingBroker, testConfig } from './fixtures.js';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('OSB headers', () => {
  let server: TestServer;
  let broker: RecordingBroker;

  beforeEach(async () => {
    broker = new RecordingBroker();
    server = await startTestServer({ config: testConfig(), broker });
  });
  afterEach(() => server.close());

  describe('X-Broker-API-Request-Identity', () => {
    it('is echoed when the platform sends one, and reaches the broker and every log line of the request', async () => {
      const res = await server.client.get(`/v2/service_instances/${INSTANCE}`, {
        headers: { 'X-Broker-API-Request-Identity': 'req-abc-123' },
      });
      expect(res.headers['x-broker-api-request-identity']).to.equal('req-abc-123');
      expect(broker.calls[0]!.ctx.requestId).to.equal('req-abc-123');
      broker.calls[0]!.ctx.log.info('a line the broker writes');
      const lines = server.captured.lines().filter((l) => l.requestId === 'req-abc-123');
      expect(lines.map((l) => l.msg)).to.include.members(['request', 'a line the broker writes']);
    });

    it('is generated (a UUID) when absent, and also on error responses', async () => {
      const ok = await server.client.get('/v2/catalog');
      expect(ok.headers['x-broker-api-request-identity']).to.match(uuidPattern);
      const unauthorized = await request(`${server.url}/v2/catalog`);
      expect(unauthorized.status).to.equal(401);
      expect(unauthorized.headers['x-broker-api-request-identity']).to.match(uuidPattern);
    });

    it('replaces an unusable value instead of echoing it', () => {
      expect(chooseRequestId('x'.repeat(129))).to.match(uuidPattern);
      expect(chooseRequestId('has space')).to.match(uuidPattern);
      expect(chooseRequestId('ok-id_1')).to.equal('ok-id_1');
    });
  });

  describe('X-Broker-API-Version', () => {
    const table: Array<[string | undefined, boolean]> = [
      [undefined, false],
      ['', false],
      ['2', false],
      ['two.seventeen', false],
      ['2.17.1', false],
      ['2.12', false],
      ['1.99', false],
      ['3.0', false],
      ['2.13', true],
      ['2.17', true],
      [' 2.17 ', true],
      ['2.99', true],
    ];
    for (const [value, ok] of table) {
      it(`${JSON.stringify(value)} is ${ok ? 'accepted' : 'refused'}`, () => {
        expect(apiVersionProblem(value) === undefined).to.equal(ok);
      });
    }

    it('missing, unparseable or too old → 412 with an OSB error body, before the broker is asked', async () => {
      for (const version of [undefined, 'latest', '2.12']) {
        const headers: Record<string, string> = { Authorization: basicAuth(credentials) };
        if (version) headers['X-Broker-API-Version'] = version;
        const res = await request(`${server.url}/v2/service_instances/${INSTANCE}`, { headers });
        expect(res.status, String(version)).to.equal(412);
        expect(res.json.description).to.contain('X-Broker-API-Version');
      }
      expect(broker.calls).to.have.length(0);
    });

    it('is not required outside /v2', async () => {
      const res = await request(`${server.url}/healthz`);
      expect(res.status).to.equal(200);
    });

    it('reaches the broker as sent', async () => {
      await server.client.call('GET', `/v2/service_instances/${INSTANCE}`, { headers: { 'X-Broker-API-Version': '2.14' } });
      expect(broker.calls[0]!.ctx.apiVersion).to.equal('2.14');
    });
  });

  describe('X-Broker-API-Originating-Identity', () => {
    const cf = { user_id: '683ea748-3092-4ff4-b656-39cacc4d5360' };

    it('is parsed into the request context and onto the log lines of the request', async () => {
      const res = await server.client.get(`/v2/service_instances/${INSTANCE}`, {
        headers: { 'X-Broker-API-Originating-Identity': `cloudfoundry ${b64(cf)}`, 'X-Broker-API-Request-Identity': 'with-identity' },
      });
      expect(res.status).to.equal(200);
      expect(broker.calls[0]!.ctx.identity).to.deep.equal({ platform: 'cloudfoundry', value: cf });
      const line = server.captured.lines().find((l) => l.requestId === 'with-identity' && l.msg === 'request');
      expect(line?.identity).to.deep.equal({ platform: 'cloudfoundry', value: cf });
    });

    it('parses the spec examples (CRLF-formatted JSON inside the base64)', () => {
      const value = 'eyANCiAgInVzZXJfaWQiOiAiNjgzZWE3NDgtMzA5Mi00ZmY0LWI2NTYtMzljYWNjNGQ1MzYwIg0KfQ==';
      expect(parseOriginatingIdentity(`cloudfoundry ${value}`)).to.deep.equal({ platform: 'cloudfoundry', value: cf });
    });

    const malformed: Array<[string, string]> = [
      ['no value', 'cloudfoundry'],
      ['not base64', 'cloudfoundry ***'],
      ['base64 of non-JSON', `cloudfoundry ${b64('not json')}`],
      ['a JSON array', `kubernetes ${b64([1, 2])}`],
      ['a JSON string', `kubernetes ${b64('"user"')}`],
      ['three parts', `cloudfoundry ${b64(cf)} extra`],
    ];
    for (const [name, header] of malformed) {
      it(`${name} → 400`, async () => {
        expect(parseOriginatingIdentity(header)).to.have.property('problem');
        const res = await server.client.get(`/v2/service_instances/${INSTANCE}`, {
          headers: { 'X-Broker-API-Originating-Identity': header },
        });
        expect(res.status).to.equal(400);
        expect(res.json.description).to.contain('X-Broker-API-Originating-Identity');
        expect(broker.calls).to.have.length(0);
      });
    }
  });
});
