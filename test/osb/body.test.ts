import { expect } from 'chai';
import { jsonDepth, MAX_JSON_DEPTH, parseJsonObject, contentTypeProblem } from '../../src/osb/middleware/json-body.js';
import { request, startTestServer, type TestServer } from '../support/http.js';
import { INSTANCE, provisionBody, RecordingBroker, testConfig } from './fixtures.js';

const path = `/v2/service_instances/${INSTANCE}?accepts_incomplete=true`;
const LIMIT = 64 * 1024; // fixtures: listen.bodyLimitBytes

describe('JSON request bodies', () => {
  let server: TestServer;
  let broker: RecordingBroker;

  beforeEach(async () => {
    broker = new RecordingBroker();
    server = await startTestServer({ config: testConfig(), broker });
  });
  afterEach(() => server.close());

  const put = (body: string | Buffer, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
    server.client.call('PUT', path, { body, headers });

  describe('pure parts', () => {
    it('measures nesting without recursion, even far beyond the limit', () => {
      expect(jsonDepth({})).to.equal(1);
      expect(jsonDepth({ a: [{ b: 1 }] })).to.equal(3);
      const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
      expect(jsonDepth(deep)).to.be.greaterThan(MAX_JSON_DEPTH);
    });

    it('accepts application/json with or without a UTF-8 charset, and no content type at all', () => {
      expect(contentTypeProblem(undefined)).to.equal(undefined);
      expect(contentTypeProblem('application/json')).to.equal(undefined);
      expect(contentTypeProblem('Application/JSON; charset=UTF-8')).to.equal(undefined);
      expect(contentTypeProblem('text/plain')).to.be.a('string');
      expect(contentTypeProblem('application/json; charset=latin1')).to.be.a('string');
    });

    it('parses objects only', () => {
      expect(parseJsonObject(Buffer.from('{"a":1}'))).to.deep.equal({ ok: true, value: { a: 1 } });
      expect(parseJsonObject(Buffer.from('{"problem":"x"}'))).to.deep.equal({ ok: true, value: { problem: 'x' } });
      for (const text of ['[]', '"s"', '1', 'null', 'true', '', '   ']) expect(parseJsonObject(Buffer.from(text)).ok, text).to.equal(false);
    });
  });

  const refused: Array<[string, string | Buffer, Record<string, string> | undefined, RegExp]> = [
    ['malformed JSON', '{"service_id": ', undefined, /not valid JSON/],
    ['trailing garbage', '{"a":1} x', undefined, /not valid JSON/],
    ['a JSON array', '[1,2]', undefined, /must be a JSON object/],
    ['a JSON string', '"text"', undefined, /must be a JSON object/],
    ['null', 'null', undefined, /must be a JSON object/],
    ['an empty body', '', undefined, /required/],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), undefined, /UTF-8/],
    ['nesting deeper than the limit', `{"context":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`, undefined, /deeper than/],
    ['a form content type', 'a=1', { 'Content-Type': 'application/x-www-form-urlencoded' }, /Content-Type must be application\/json/],
    ['text/plain', '{}', { 'Content-Type': 'text/plain' }, /Content-Type must be application\/json/],
  ];
  for (const [name, body, headers, message] of refused) {
    it(`${name} → 400 with an OSB body`, async () => {
      const res = await put(body, headers);
      expect(res.status, res.text).to.equal(400);
      expect(res.json.description).to.match(message);
      expect(broker.calls).to.have.length(0);
    });
  }

  it('never quotes the body back in the error', async () => {
    const res = await put('{"parameters": {"note": "s3cr3t-in-body"}, oops}');
    expect(res.status).to.equal(400);
    expect(res.text).not.to.contain('s3cr3t-in-body');
    expect(server.captured.text()).not.to.contain('s3cr3t-in-body');
  });

  it('processes a body without Content-Type, as OSB allows', async () => {
    const res = await put(JSON.stringify(provisionBody()), {});
    expect(res.status).to.equal(202);
  });

  it('processes a body of exactly the limit', async () => {
    const base = JSON.stringify(provisionBody({ context: { pad: '' } }));
    const padded = base.replace('"pad":""', `"pad":"${'x'.repeat(LIMIT - base.length)}"`);
    expect(Buffer.byteLength(padded)).to.equal(LIMIT);
    const res = await put(padded);
    expect(res.status).to.equal(202);
  });

  it('a declared Content-Length over the limit → 413 before the body is read; the server stays healthy', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const res = await put(big);
    expect(res.status).to.equal(413);
    expect(res.json.description).to.contain(String(LIMIT));
    expect((await request(`${server.url}/healthz`)).status).to.equal(200);
    expect((await server.client.put(path, provisionBody())).status).to.equal(202);
    expect(broker.calls).to.have.length(1);
  });

  it('a chunked upload that grows past the limit → 413; the server stays healthy', async () => {
    const big = Buffer.from(`{"pad":"${'y'.repeat(LIMIT + 10)}"}`);
    const res = await put(big, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    expect(res.status).to.equal(413);
    expect((await request(`${server.url}/healthz`)).status).to.equal(200);
    expect(broker.calls).to.have.length(0);
  });

  it('does not read bodies of GET or DELETE', async () => {
    const res = await server.client.call('GET', `/v2/service_instances/${INSTANCE}`, { body: '{not json' });
    expect(res.status).to.equal(200);
  });
});
