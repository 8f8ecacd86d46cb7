import { expect } from 'chai';
import { credentialsMatch, parseBasicAuth } from '../../src/osb/middleware/auth.js';
import { FailedAuthLimiter } from '../../src/osb/rate-limit.js';
import { basicAuth, request, startTestServer, type TestServer } from '../support/http.js';
import { credentials, RecordingBroker, secondCredentials, testConfig } from './fixtures.js';

describe('basic auth', () => {
  describe('parseBasicAuth and credentialsMatch (pure)', () => {
    it('parses a Basic header, keeping colons in the password', () => {
      expect(parseBasicAuth(basicAuth({ username: 'u', password: 'p:a:ss' }))).to.deep.equal({ username: 'u', password: 'p:a:ss' });
      expect(parseBasicAuth(`basic ${Buffer.from('u:p').toString('base64')}`)).to.deep.equal({ username: 'u', password: 'p' });
    });
    for (const header of [undefined, '', 'Bearer abc', 'Basic', 'Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
      it(`rejects ${JSON.stringify(header)}`, () => expect(parseBasicAuth(header)).to.equal(undefined));
    }
    it('matches any configured pair, and only a whole pair', () => {
      const pairs = [credentials, secondCredentials];
      expect(credentialsMatch(credentials, pairs)).to.equal(true);
      expect(credentialsMatch(secondCredentials, pairs)).to.equal(true);
      expect(credentialsMatch({ username: credentials.username, password: secondCredentials.password }, pairs)).to.equal(false);
      expect(credentialsMatch({ username: credentials.username, password: `${credentials.password}x` }, pairs)).to.equal(false);
      expect(credentialsMatch({ username: '', password: '' }, pairs)).to.equal(false);
    });
  });

  describe('FailedAuthLimiter (pure, injected clock)', () => {
    it('blocks after the allowed failures and refills over a minute', () => {
      let now = 1_000_000;
      const limiter = new FailedAuthLimiter(3, () => now);
      for (let i = 0; i < 3; i++) {
        expect(limiter.blockedFor('10.0.0.1')).to.equal(undefined);
        limiter.recordFailure('10.0.0.1');
      }
      expect(limiter.blockedFor('10.0.0.1')).to.equal(20); // one token every 20 s at 3 per minute
      expect(limiter.blockedFor('10.0.0.2')).to.equal(undefined);
      now += 20_000;
      expect(limiter.blockedFor('10.0.0.1')).to.equal(undefined);
    });

    it('keeps memory bounded when addresses are sprayed', () => {
      const limiter = new FailedAuthLimiter(3, () => 0, 100);
      for (let i = 0; i < 1000; i++) limiter.recordFailure(`10.0.${Math.floor(i / 256)}.${i % 256}`);
      expect(limiter.trackedAddresses).to.be.at.most(100);
    });
  });

  describe('over HTTP', () => {
    let server: TestServer;
    let broker: RecordingBroker;
    let now: number;

    beforeEach(async () => {
      now = 5_000_000;
      broker = new RecordingBroker();
      server = await startTestServer({ config: testConfig(), broker, now: () => now });
    });
    afterEach(() => server.close());

    const catalog = (authorization?: string) =>
      request(`${server.url}/v2/catalog`, {
        headers: { 'X-Broker-API-Version': '2.17', ...(authorization ? { Authorization: authorization } : {}) },
      });

    it('401 with WWW-Authenticate and an OSB body when credentials are missing', async () => {
      const res = await catalog();
      expect(res.status).to.equal(401);
      expect(res.headers['www-authenticate']).to.equal('Basic realm="rds-broker"');
      expect(res.json).to.have.property('description').that.is.a('string');
    });

    it('401 for a wrong password, a wrong username and a non-Basic scheme', async () => {
      for (const header of [
        basicAuth({ username: credentials.username, password: 'wrong' }),
        basicAuth({ username: 'someone', password: credentials.password }),
        'Bearer token',
      ]) {
        const res = await catalog(header);
        expect(res.status).to.equal(401);
      }
    });

    it('accepts both configured pairs (credential rotation)', async () => {
      expect((await catalog(basicAuth(credentials))).status).to.equal(200);
      expect((await catalog(basicAuth(secondCredentials))).status).to.equal(200);
    });

    it('BROKER_USERNAME and BROKER_PASSWORD replace the first pair', async () => {
      await server.close();
      const { buildConfig } = await import('../../src/config/load.js');
      const { configDocument } = await import('./fixtures.js');
      const config = buildConfig(configDocument(), { BROKER_USERNAME: 'from-env', BROKER_PASSWORD: 'env-password-123' });
      server = await startTestServer({ config, broker });
      expect((await catalog(basicAuth({ username: 'from-env', password: 'env-password-123' }))).status).to.equal(200);
      expect((await catalog(basicAuth(credentials))).status).to.equal(401);
    });

    it('/healthz, /readyz and /metrics need no credentials', async () => {
      for (const path of ['/healthz', '/readyz', '/metrics']) {
        const res = await request(`${server.url}${path}`);
        expect(res.status, path).to.equal(200);
      }
    });

    it('every other path needs credentials, even unknown ones', async () => {
      expect((await request(`${server.url}/anything`)).status).to.equal(401);
      expect((await request(`${server.url}/v2/service_instances/abc`)).status).to.equal(401);
    });

    it('after failedAttemptsPerMinute failures an address gets 429, even with the right credentials, until tokens refill', async () => {
      const wrong = basicAuth({ username: credentials.username, password: 'guess' });
      for (let i = 0; i < 5; i++) expect((await catalog(wrong)).status).to.equal(401);
      const blocked = await catalog(basicAuth(credentials));
      expect(blocked.status).to.equal(429);
      expect(blocked.headers['retry-after']).to.equal('12'); // 5 per minute: one token every 12 s
      expect(blocked.json.description).to.match(/too many failed authentication attempts/);
      now += 12_000;
      expect((await catalog(basicAuth(credentials))).status).to.equal(200);
      expect(broker.calls).to.have.length(0);
    });

    it('never writes the password or the Authorization header to the log', async () => {
      await catalog(basicAuth({ username: credentials.username, password: 'typo-password-xyz' }));
      await catalog(basicAuth(credentials));
      const text = server.captured.text();
      expect(text).not.to.contain('typo-password-xyz');
      expect(text).not.to.contain(credentials.password);
      expect(text).not.to.contain(Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64'));
      expect(server.captured.lines().some((l) => l.msg === 'authentication failed')).to.equal(true);
    });
  });
});
