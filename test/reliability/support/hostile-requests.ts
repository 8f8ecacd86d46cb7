import fc from 'fast-check';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../../src/local/config.js';
import type { RawRequest } from './raw-http.js';

/**
 * fast-check generators of hostile OSB requests, as raw HTTP. Each request aims at one endpoint (or
 * at none: wrong methods, unknown paths) and spoils some of what a well-behaved platform sends:
 * IDs, query, headers, body. Most requests keep valid credentials and version so that they get past
 * the front door and reach the validation behind it.
 *
 * One rule keeps a run from creating databases: a PUT on an instance path uses either the one
 * instance that already exists or an ID that is invalid by construction (it holds a character the
 * documented alphabet lacks, or is too long, after any percent-decoding). IDs that are valid but
 * unknown are used only where a valid request cannot create anything.
 */

export interface Targets {
  credentials: { username: string; password: string };
  /** An instance that exists (with a real database) and a binding on it. */
  instanceId: string;
  bindingId: string;
}

export interface HostileRequest {
  endpoint: string;
  request: RawRequest;
}

/** Pollution keys are written into JSON text under these stand-ins: an object literal with a real `__proto__` key would set a prototype instead. */
const PROTO = '@@__proto__@@';
export function toJsonText(value: unknown): string {
  // JSON.stringify gives undefined for undefined and functions: send that text, which is not JSON either.
  return (JSON.stringify(value) ?? 'undefined').split(JSON.stringify(PROTO)).join('"__proto__"');
}
export const pollutionMarker = 'rdsb_polluted';

const pollutionKeys = fc.constantFrom(PROTO, 'constructor', 'prototype', '__defineGetter__', 'hasOwnProperty', 'toString', 'valueOf');
const pollutionPayload = fc.constantFrom<unknown>(
  { [pollutionMarker]: true, isAdmin: true, read_only: false, polluted: 'yes' },
  { prototype: { [pollutionMarker]: true } },
  { [PROTO]: { [pollutionMarker]: true } },
  'polluted',
  null,
  [pollutionMarker],
);

// ---- IDs ----------------------------------------------------------------------------------------

/** Raw text (before any encoding) that breaks the ID rule whatever decoding the server applies. */
const forbiddenChars = [
  '/',
  '.',
  '%',
  ' ',
  "'",
  '"',
  ';',
  '\\',
  '\u0000',
  '\u0001',
  '\n',
  '\r',
  '\t',
  '<',
  '>',
  '?',
  '#',
  '&',
  '=',
  '+',
  ':',
  '@',
  '$',
  '(',
  ')',
  '*',
  ',',
  'ä',
  '💩',
  '\u202e',
  '\ufeff',
  '\ud800',
];
const invalidIdText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '..',
    '../',
    '../../etc/passwd',
    '.',
    '-leading',
    '_leading',
    'a/../b',
    '"; DROP ROLE rdsadmin_broker; --',
    "x' OR '1'='1",
    '$(reboot)',
    '\u0000',
    'nul\u0000byte',
    'ä',
  ),
  fc
    .tuple(fc.string({ maxLength: 20 }), fc.constantFrom(...forbiddenChars), fc.string({ maxLength: 20 }))
    .map(([a, bad, b]) => `${a}${bad}${b}`),
  fc
    .oneof({ weight: 8, arbitrary: fc.integer({ min: 64, max: 300 }) }, { weight: 1, arbitrary: fc.integer({ min: 300, max: 9000 }) })
    .map((n) => 'a'.repeat(n)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map((s) => `-${s}`),
);

/** Path segments written already encoded, each decoding to something the ID rule refuses (or to nothing decodable). */
const preEncodedTricks = fc.constantFrom(
  '%00',
  'a%00b',
  '%2e%2e',
  '%2E%2E%2F',
  '..%2f..%2f',
  '%252e%252e%252f',
  '%ED%A0%80',
  '%FF%FE',
  '%C0%AE%C0%AE',
  '%e2%80%ae',
  '%',
  '%%',
  '%2',
  '%ZZ',
  '%0d%0aX-Injected:%201',
  '%2F',
  '.%2e',
  '%20',
);

type Encoding = 'raw' | 'percent' | 'double';
const encodings = fc.constantFrom<Encoding>('percent', 'percent', 'raw', 'double');

function encodeSegment(text: string, how: Encoding): string {
  const percent = (s: string) => {
    try {
      return encodeURIComponent(s);
    } catch {
      // A lone surrogate has no UTF-8 form: its raw code unit goes out as the bytes Node writes for it.
      return s.replace(/[%?#]/g, (c) => encodeURIComponent(c));
    }
  };
  // "raw" still escapes the three characters that would change what the server reads as the ID
  // (a query, a fragment, an escape): the server must see exactly this text after decoding.
  if (how === 'raw') return text.replace(/[%?#]/g, (c) => encodeURIComponent(c));
  if (how === 'percent') return percent(text);
  return percent(percent(text));
}

const invalidId = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(invalidIdText, encodings).map(([text, how]) => encodeSegment(text, how)) },
  { weight: 1, arbitrary: preEncodedTricks },
);
const unknownId = fc.oneof(fc.uuid(), fc.constantFrom('a', 'Z', '0', 'a'.repeat(57), 'A-b_C', 'UPPER-case-GUID-0000'));

// ---- query, headers, body values ------------------------------------------------------------------

const hostileString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '',
    ' ',
    'null',
    'undefined',
    'true',
    'NaN',
    '-1',
    '1e309',
    '0x10',
    '%00',
    '\u0000',
    '\r\nX-Injected: 1',
    '<script>',
    "'; DROP TABLE x; --",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection probe, meant literally
    '${jndi:ldap://x}',
    '../../',
    '💩'.repeat(3),
  ),
  fc
    .oneof({ weight: 8, arbitrary: fc.integer({ min: 300, max: 4000 }) }, { weight: 1, arbitrary: fc.integer({ min: 4000, max: 200_000 }) })
    .map((n) => 'x'.repeat(n)),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 1e308, -0, [], {}, [null], { a: 1 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: pollutionPayload },
);

/** Query values, kept printable unless `raw` says otherwise: the query is where path tricks live too. */
function queryString(pairs: Array<[string, string]>, raw: boolean): string {
  if (pairs.length === 0) return '';
  return `?${pairs.map(([k, v]) => (raw ? `${k}=${v}` : `${encodeURIComponent(k)}=${encodeSegment(v, 'percent')}`)).join('&')}`;
}

function queryArb(fields: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const entries = Object.entries(fields).map(([name, value]) =>
    fc.oneof(
      { weight: 5, arbitrary: value.map((v): Array<[string, string]> => [[name, v]]) },
      { weight: 2, arbitrary: fc.constant<Array<[string, string]>>([]) },
      {
        weight: 1,
        arbitrary: fc.tuple(value, hostileString).map(
          ([a, b]): Array<[string, string]> => [
            [name, a],
            [name, b],
          ],
        ),
      },
      { weight: 1, arbitrary: hostileString.map((v): Array<[string, string]> => [[name, v]]) },
    ),
  );
  const extra = fc.oneof(
    { weight: 5, arbitrary: fc.constant<Array<[string, string]>>([]) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(PROTO.slice(2, -2), 'constructor', 'x', '', '[]', 'a[b]'), hostileString)
        .map(([k, v]): Array<[string, string]> => [[k, v]]),
    },
  );
  return fc.tuple(fc.tuple(...entries), extra, fc.boolean(), fc.boolean()).map(([chosen, more, raw, shuffle]) => {
    const pairs = [...chosen.flat(), ...more];
    if (shuffle) pairs.reverse();
    return queryString(pairs, raw && pairs.every(([k, v]) => /^[\x21-\x7e]*$/.test(k + v)));
  });
}

const serviceId = fc.oneof(
  { weight: 8, arbitrary: fc.constant(LOCAL_SERVICE_ID) },
  { weight: 2, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.uuid() },
);
const planId = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(LOCAL_PLANS.small, LOCAL_PLANS.small, LOCAL_PLANS.medium, LOCAL_PLANS.postgres16) },
  { weight: 2, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.uuid() },
);
const acceptsIncomplete = fc.oneof(
  { weight: 8, arbitrary: fc.constant('true') },
  { weight: 1, arbitrary: fc.constantFrom('false', 'TRUE', 'yes', '1', '') },
  { weight: 1, arbitrary: hostileString },
);
const operationValue = fc.oneof(
  fc.constantFrom('provision', 'restore', 'update', 'deprovision', 'upgrade', 'context'),
  hostileString,
  fc.constant('x'.repeat(10_001)),
);

function authHeader(targets: Targets): fc.Arbitrary<Array<[string, string]>> {
  const { username, password } = targets.credentials;
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  const valid = basic(username, password);
  return fc.oneof(
    { weight: 30, arbitrary: fc.constant<Array<[string, string]>>([['Authorization', valid]]) },
    {
      weight: 3,
      arbitrary: fc
        .oneof(
          fc.constant(basic(username, 'x'.repeat(password.length))),
          fc.constant(basic(username, `${password}x`)),
          fc.constant(basic(`${username} `, password)),
          fc.constant(`Bearer ${password}`),
          fc.constant('Basic'),
          fc.constant('Basic !!!'),
          fc.constant(`basic ${Buffer.from(`${username}:${password}`).toString('base64')}=`),
          hostileString.map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
          fc.constant(`Basic ${'A'.repeat(12_000)}`),
        )
        .map((value): Array<[string, string]> => [['Authorization', value]]),
    },
    { weight: 1, arbitrary: fc.constant<Array<[string, string]>>([]) },
    {
      weight: 1,
      arbitrary: fc.constant<Array<[string, string]>>([
        ['Authorization', basic('someone', 'else')],
        ['Authorization', valid],
      ]),
    },
  );
}

const identityHeader = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Array<[string, string]>>([]) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.constant(`cloudfoundry ${Buffer.from('{"user_id":"683ea748-3092-4ff4-b656-39cacc4d5360"}').toString('base64')}`),
        fc.constant(`kubernetes ${Buffer.from('{"username":"duke","groups":["admin"]}').toString('base64')}`),
        fc.constant(`cloudfoundry ${Buffer.from(toJsonText({ [PROTO]: { [pollutionMarker]: true } })).toString('base64')}`),
        fc.constant(`cloudfoundry ${Buffer.from('[1,2]').toString('base64')}`),
        fc.constant(`cloudfoundry ${Buffer.from('not json').toString('base64')}`),
        fc.constant('cloudfoundry'),
        fc.constant(`${'p'.repeat(65)} e30=`),
        fc.jsonValue({ maxDepth: 2 }).map((v) => `platform ${Buffer.from(toJsonText(v)).toString('base64')}`),
        hostileString.filter((s) => /^[\x20-\x7e]*$/.test(s)),
      )
      .map((value): Array<[string, string]> => [['X-Broker-API-Originating-Identity', value]]),
  },
);

const versionHeader = fc.oneof(
  { weight: 24, arbitrary: fc.constant<Array<[string, string]>>([['X-Broker-API-Version', '2.17']]) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('2.13', '2.12', '1.0', '3.0', '2', '2.17.0', '', ' 2.17 ', 'abc', '99999.1', '2.17, 2.17', '٢.١٧', '2.-1')
      .map((value): Array<[string, string]> => [['X-Broker-API-Version', value]]),
  },
  { weight: 1, arbitrary: fc.constant<Array<[string, string]>>([]) },
  {
    weight: 1,
    arbitrary: fc.constant<Array<[string, string]>>([
      ['X-Broker-API-Version', '2.17'],
      ['X-Broker-API-Version', '2.12'],
    ]),
  },
);

const contentTypeHeader = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Array<[string, string]>>([['Content-Type', 'application/json']]) },
  { weight: 2, arbitrary: fc.constant<Array<[string, string]>>([]) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        'text/plain',
        'application/json; charset=latin1',
        'application/json; charset=utf-8',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        'application/xml',
        '*/*',
        ';;;',
        'application/json, text/plain',
      )
      .map((value): Array<[string, string]> => [['Content-Type', value]]),
  },
);

const requestIdHeader = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Array<[string, string]>>([]) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('x'.repeat(5000), 'a b', '{}', 'ok-id')
      .map((value): Array<[string, string]> => [['X-Broker-API-Request-Identity', value]]),
  },
);

/** Headers a proxy or a scanner might add; now and then a byte HTTP forbids, which the parser must refuse. */
const junkHeaders = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Array<[string, string]>>([]) },
  {
    weight: 2,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.constantFrom(
            'X-Forwarded-For',
            'Cookie',
            'Expect',
            'Transfer-Encoding',
            'Accept',
            'Accept-Encoding',
            'Range',
            'X-HTTP-Method-Override',
            'Upgrade',
            'Origin',
            '__proto__',
            'X-Junk',
          ),
          hostileString.filter((s) => s.length < 300),
        ),
        { maxLength: 4 },
      )
      .map((pairs) =>
        pairs.map(([k, v]): [string, string] => [
          k,
          k === 'Transfer-Encoding' || k === 'Expect' ? v.replace(/[^\x20-\x7e]/g, '') || 'gzip' : v,
        ]),
      ),
  },
);

// ---- bodies -------------------------------------------------------------------------------------

const parameterNames = [
  'db_name',
  'backup_retention_period',
  'preferred_backup_window',
  'preferred_maintenance_window',
  'skip_final_snapshot',
  'delete_automated_backups',
  'restore_from_latest_snapshot_of',
  'restore_from_latest_snapshot_before',
  'restore_from_point_in_time_of',
  'restore_from_point_in_time_before',
  'enable_extensions',
  'disable_extensions',
  'apply_at_maintenance_window',
  'reboot',
  'force_failover',
  'upgrade_minor_version',
  'read_only',
  'unknown_parameter',
];

const parameters = fc.oneof(
  { weight: 2, arbitrary: fc.constant<unknown>({}) },
  {
    weight: 6,
    arbitrary: fc.dictionary(
      fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...parameterNames) }, { weight: 1, arbitrary: pollutionKeys }),
      hostileValue,
      { maxKeys: 4 },
    ),
  },
  { weight: 1, arbitrary: hostileValue },
);

const context = fc.oneof(
  { weight: 4, arbitrary: fc.constant<unknown>({ platform: 'cloudfoundry', organization_guid: 'org-1', space_guid: 'space-1' }) },
  { weight: 1, arbitrary: fc.constant<unknown>({ platform: 'kubernetes', clusterid: 'c', namespace: 'n' }) },
  {
    weight: 2,
    arbitrary: fc.dictionary(
      fc.oneof(fc.constantFrom('platform', 'organization_guid', 'space_guid', 'namespace', 'clusterid', 'instance_name'), pollutionKeys),
      hostileValue,
      { maxKeys: 4 },
    ),
  },
  { weight: 1, arbitrary: hostileValue },
);

const maybe = <T>(arb: fc.Arbitrary<T>, weight = 3) =>
  fc.oneof(
    { weight, arbitrary: arb.map((v) => ({ present: true as const, v })) },
    { weight: 1, arbitrary: fc.constant({ present: false as const }) },
  );

const structuredBody = fc
  .record({
    service_id: maybe(fc.oneof({ weight: 4, arbitrary: serviceId }, { weight: 1, arbitrary: hostileValue })),
    plan_id: maybe(fc.oneof({ weight: 4, arbitrary: planId }, { weight: 1, arbitrary: hostileValue })),
    context: maybe(context),
    parameters: maybe(parameters),
    organization_guid: maybe(fc.oneof(fc.constant('org-1'), hostileValue), 1),
    space_guid: maybe(fc.oneof(fc.constant('space-1'), hostileValue), 1),
    maintenance_info: maybe(fc.oneof(fc.record({ version: fc.oneof(fc.constant('1.0.0'), hostileString) }), hostileValue), 1),
    previous_values: maybe(
      fc.dictionary(
        fc.oneof(fc.constantFrom('plan_id', 'service_id', 'organization_id', 'space_id', 'maintenance_info'), pollutionKeys),
        hostileValue,
        { maxKeys: 3 },
      ),
      1,
    ),
    bind_resource: maybe(fc.oneof(fc.record({ app_guid: hostileString }), hostileValue), 1),
    app_guid: maybe(hostileString, 1),
    predecessor_binding_id: maybe(fc.oneof(unknownId, invalidIdText), 1),
    pollution: maybe(fc.tuple(pollutionKeys, pollutionPayload), 1),
  })
  .map((fields) => {
    const body: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(fields)) {
      if (!field.present) continue;
      if (key === 'pollution') {
        const [k, v] = field.v as [string, unknown];
        body[k] = v;
      } else body[key] = field.v;
    }
    return Buffer.from(toJsonText(body));
  });

const malformedBody = fc.oneof(
  fc
    .constantFrom(
      '',
      '{',
      '{"service_id":',
      '{"a":1,}',
      "{'a':1}",
      '{"a":NaN}',
      '{"a":1}/*c*/',
      '[]',
      'null',
      '1',
      '"string"',
      'true',
      '{"a":"\\ud800"}',
      '{"a":1}{"b":2}',
      '\ufeff{}',
      '{"a":"\u0000"}',
      '{"service_id":"x","service_id":"y"}',
      '{"__proto__":{"rdsb_polluted":true},"service_id":1}',
    )
    .map((s) => Buffer.from(s)),
  fc.integer({ min: 33, max: 100_000 }).map((depth) => Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
  fc.integer({ min: 33, max: 5000 }).map((depth) => Buffer.from(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.anything({ maxDepth: 3 }).map((value) => Buffer.from(toJsonText(value))),
  fc.string({ unit: 'binary', maxLength: 100 }).map((s) => Buffer.from(`{"service_id":${JSON.stringify(s)}}`)),
);

/** Bodies just over the 1 MiB limit (up to 1.2 MiB: bigger ones only cost time); the broker must not read them. */
const hugeBody = fc.integer({ min: 1024 * 1024 + 1, max: 1_258_291 }).map((n) => Buffer.from(`{"service_id":"${'x'.repeat(n)}"}`));

const body = fc.oneof(
  { weight: 12, arbitrary: structuredBody },
  { weight: 5, arbitrary: malformedBody },
  { weight: 1, arbitrary: fc.constant<Buffer | undefined>(undefined) },
);
const bodyMaybeHuge = fc.oneof({ weight: 30, arbitrary: body }, { weight: 1, arbitrary: hugeBody });

// ---- requests -----------------------------------------------------------------------------------

const wrongMethods = ['POST', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'FOO', 'get', 'PATCH', 'DELETE', 'GET', 'PUT'];

/** Every endpoint with its right method(s), as generators of raw requests. */
export function hostileRequests(targets: Targets): fc.Arbitrary<HostileRequest> {
  const auth = authHeader(targets);
  const headers = (withBody: boolean) =>
    fc
      .tuple(
        auth,
        versionHeader,
        identityHeader,
        requestIdHeader,
        withBody ? contentTypeHeader : fc.constant<Array<[string, string]>>([]),
        junkHeaders,
        fc.boolean(),
      )
      .map(([a, v, i, r, c, j, reverse]) => {
        const all = [...a, ...v, ...i, ...r, ...c, ...j];
        return reverse ? all.reverse() : all;
      });
  const existing = fc.constant(targets.instanceId);
  const anyInstance = fc.oneof(
    { weight: 3, arbitrary: existing },
    { weight: 2, arbitrary: unknownId },
    { weight: 4, arbitrary: invalidId },
  );
  // Never a valid unknown ID on PUT: a valid provision would create a database.
  const putInstance = fc.oneof({ weight: 1, arbitrary: existing }, { weight: 1, arbitrary: invalidId });
  const anyBinding = fc.oneof(
    { weight: 2, arbitrary: fc.constant(targets.bindingId) },
    { weight: 2, arbitrary: unknownId },
    { weight: 4, arbitrary: invalidId },
  );
  const instancePath = (id: fc.Arbitrary<string>) => id.map((i) => `/v2/service_instances/${i}`);
  const bindingPath = fc.tuple(anyInstance, anyBinding).map(([i, b]) => `/v2/service_instances/${i}/service_bindings/${b}`);
  const lastOpQuery = queryArb({ service_id: serviceId, plan_id: planId, operation: operationValue });
  const make = (
    endpoint: string,
    method: fc.Arbitrary<string>,
    path: fc.Arbitrary<string>,
    query: fc.Arbitrary<string>,
    withBody: boolean,
  ) =>
    fc.tuple(method, path, query, headers(withBody), withBody ? bodyMaybeHuge : fc.constant(undefined)).map(
      ([m, p, q, h, b]): HostileRequest => ({
        endpoint,
        request: { method: m, target: `${p}${q}`, headers: h, ...(b ? { body: b } : {}) },
      }),
    );
  const noQuery = fc.constant('');
  const knownPaths = fc.oneof(
    fc.constant('/v2/catalog'),
    instancePath(anyInstance),
    instancePath(anyInstance).map((p) => `${p}/last_operation`),
    bindingPath,
    bindingPath.map((p) => `${p}/last_operation`),
  );
  const unknownPaths = fc.oneof(
    fc.constantFrom(
      '/',
      '/v2',
      '/v2/',
      '/v3/catalog',
      '/v2/service_instances',
      '/v2/service_instances/',
      '/v2/service_instances/x/service_bindings',
      '/admin',
      '/_emulator/faults',
      '/.env',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/v2/catalog/../../etc/passwd',
      '//v2/catalog',
      '/V2/CATALOG',
      '/V2/service_instances/x',
      '*',
      'http://evil.example/v2/catalog',
      '/v2/catalog%00',
      '/v2/catalog?%',
      '/healthz/../v2/catalog',
    ),
    fc.webPath(),
    fc.string({ maxLength: 60 }).map((s) => `/${s}`),
    knownPaths.map((p) => p.replace(/^\/v2/, '/V2')),
  );
  return fc.oneof(
    make('catalog', fc.constant('GET'), fc.constant('/v2/catalog'), fc.oneof(noQuery, queryArb({ x: hostileString })), false),
    make('provision', fc.constant('PUT'), instancePath(putInstance), queryArb({ accepts_incomplete: acceptsIncomplete }), true),
    make('update', fc.constant('PATCH'), instancePath(anyInstance), queryArb({ accepts_incomplete: acceptsIncomplete }), true),
    make(
      'deprovision',
      fc.constant('DELETE'),
      instancePath(fc.oneof(unknownId, invalidId)),
      queryArb({ accepts_incomplete: acceptsIncomplete, service_id: serviceId, plan_id: planId }),
      false,
    ),
    make('fetch instance', fc.constant('GET'), instancePath(anyInstance), queryArb({ service_id: serviceId, plan_id: planId }), false),
    make(
      'last_operation',
      fc.constant('GET'),
      instancePath(anyInstance).map((p) => `${p}/last_operation`),
      lastOpQuery,
      false,
    ),
    make('bind', fc.constant('PUT'), bindingPath, queryArb({ accepts_incomplete: acceptsIncomplete }), true),
    make(
      'unbind',
      fc.constant('DELETE'),
      bindingPath,
      queryArb({ service_id: serviceId, plan_id: planId, accepts_incomplete: acceptsIncomplete }),
      false,
    ),
    make('fetch binding', fc.constant('GET'), bindingPath, queryArb({ service_id: serviceId, plan_id: planId }), false),
    make(
      'binding last_operation',
      fc.constant('GET'),
      bindingPath.map((p) => `${p}/last_operation`),
      lastOpQuery,
      false,
    ),
    // A wrong method never reaches a handler, so even a valid ID cannot create anything here.
    make(
      'wrong method',
      fc.constantFrom(...wrongMethods),
      knownPaths,
      fc.oneof(noQuery, queryArb({ accepts_incomplete: acceptsIncomplete })),
      true,
    ).filter((r) => !isRightMethod(r.request.method, r.request.target)),
    // No PUT: the router matches paths without regard to case, so /V2/service_instances/<new ID> could provision.
    make('unknown path', fc.constantFrom('GET', 'PATCH', 'DELETE', 'POST'), unknownPaths, noQuery, true),
  );
}

/** Whether `method` is one the OSB API defines for `target`'s path (those are generated above, deliberately). */
function isRightMethod(method: string, target: string): boolean {
  const path = target.split('?')[0]!;
  if (path === '/v2/catalog') return method === 'GET' || method === 'HEAD';
  if (/\/last_operation$/.test(path)) return method === 'GET' || method === 'HEAD';
  if (/\/service_bindings\/[^/]+$/.test(path)) return ['GET', 'HEAD', 'PUT', 'DELETE'].includes(method);
  return ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'].includes(method);
}
