import { expect } from 'chai';
import {
  type AuthorizationRequest,
  type ConditionContext,
  decide,
  decideAll,
  denialMessage,
  wildcardMatch,
} from '../../src/emulator/iam/evaluate.js';
import { parsePolicy } from '../../src/emulator/iam/policy.js';

/** IAM's evaluation logic, table by table: each row a policy, a request and the decision IAM makes. */

const DB = 'arn:aws:rds:us-east-1:123456789012:db:rdsb-1';
const PG = 'arn:aws:rds:us-east-1:123456789012:pg:default.postgres16';

function request(action: string, resource: string, context: ConditionContext = {}): AuthorizationRequest {
  return { action, resource, context };
}

function allow(extra: Record<string, unknown>): unknown {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', ...extra }] };
}

describe('unit: IAM policy evaluation', () => {
  describe('wildcards', () => {
    const rows: [string, string, boolean, boolean][] = [
      ['rds:*', 'rds:CreateDBInstance', true, true],
      ['rds:Describe*', 'rds:DescribeDBInstances', true, true],
      ['rds:Describe*', 'rds:DeleteDBInstance', true, false],
      ['rds:describe*', 'rds:DescribeDBInstances', true, true],
      ['rds:describe*', 'rds:DescribeDBInstances', false, false],
      ['arn:aws:rds:*:*:db:rdsb-*', DB, false, true],
      ['arn:aws:rds:*:*:db:rdsb-?', DB, false, true],
      ['arn:aws:rds:*:*:db:rdsb-??', DB, false, false],
      ['arn:aws:rds:*:*:pg:rdsb-*', 'arn:aws:rds:us-east-1:1:pg:rdsbroker-postgres16-pg-cron', false, false],
      ['arn:aws:rds:*:*:pg:rdsbroker-*', 'arn:aws:rds:us-east-1:1:pg:rdsbroker-postgres16-pg-cron', false, true],
      ['arn:aws:rds:*:*:pg:rdsb-*', 'arn:aws:rds:us-east-1:1:pg:default.postgres16', false, false],
      ['a.b', 'axb', false, false],
      ['*', '*', false, true],
      ['arn:aws:rds:*:*:db:*', '*', false, false],
    ];
    for (const [pattern, value, ignoreCase, expected] of rows) {
      it(`${pattern} ${expected ? 'matches' : 'does not match'} ${value}${ignoreCase ? ' (actions: any case)' : ''}`, () => {
        expect(wildcardMatch(pattern, value, ignoreCase)).to.equal(expected);
      });
    }
  });

  describe('actions and resources', () => {
    const rows: { name: string; policy: unknown; request: AuthorizationRequest; expected: string }[] = [
      {
        name: 'nothing allows: implicit deny',
        policy: allow({ Action: 'rds:DescribeDBInstances', Resource: '*' }),
        request: request('rds:DeleteDBInstance', DB),
        expected: 'implicit-deny',
      },
      {
        name: 'an exact action on *',
        policy: allow({ Action: 'rds:DeleteDBInstance', Resource: '*' }),
        request: request('rds:DeleteDBInstance', DB),
        expected: 'allow',
      },
      {
        name: 'actions compare in any case',
        policy: allow({ Action: 'RDS:deletedbinstance', Resource: '*' }),
        request: request('rds:DeleteDBInstance', DB),
        expected: 'allow',
      },
      {
        name: 'a list of actions',
        policy: allow({ Action: ['rds:RebootDBInstance', 'rds:DeleteDBInstance'], Resource: DB }),
        request: request('rds:DeleteDBInstance', DB),
        expected: 'allow',
      },
      {
        name: 'another resource',
        policy: allow({ Action: 'rds:*', Resource: 'arn:aws:rds:*:*:db:other-*' }),
        request: request('rds:DeleteDBInstance', DB),
        expected: 'implicit-deny',
      },
      {
        name: 'NotAction allows everything else',
        policy: allow({ NotAction: 'rds:Delete*', Resource: '*' }),
        request: request('rds:RebootDBInstance', DB),
        expected: 'allow',
      },
      {
        name: 'NotAction does not allow what it names',
        policy: allow({ NotAction: 'rds:Delete*', Resource: '*' }),
        request: request('rds:DeleteDBInstance', DB),
        expected: 'implicit-deny',
      },
      {
        name: 'NotResource allows other resources',
        policy: allow({ Action: 'rds:*', NotResource: 'arn:aws:rds:*:*:db:prod-*' }),
        request: request('rds:DeleteDBInstance', DB),
        expected: 'allow',
      },
      {
        name: 'NotResource does not allow what it names',
        policy: allow({ Action: 'rds:*', NotResource: 'arn:aws:rds:*:*:db:rdsb-*' }),
        request: request('rds:DeleteDBInstance', DB),
        expected: 'implicit-deny',
      },
      {
        name: 'an action without resource types needs Resource *',
        policy: allow({ Action: 'rds:DescribeDBEngineVersions', Resource: 'arn:aws:rds:*:*:db:*' }),
        request: request('rds:DescribeDBEngineVersions', '*'),
        expected: 'implicit-deny',
      },
      {
        name: 'an explicit Deny beats an Allow',
        policy: {
          Statement: [
            { Effect: 'Allow', Action: 'rds:*', Resource: '*' },
            { Effect: 'Deny', Action: 'rds:DeleteDBInstance', Resource: DB },
          ],
        },
        request: request('rds:DeleteDBInstance', DB),
        expected: 'explicit-deny',
      },
      {
        name: 'a Deny whose condition fails does not deny',
        policy: {
          Statement: [
            { Effect: 'Allow', Action: 'rds:*', Resource: '*' },
            { Effect: 'Deny', Action: 'rds:*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/env': 'prod' } } },
          ],
        },
        request: request('rds:DeleteDBInstance', DB, { 'aws:resourcetag/env': 'test' }),
        expected: 'allow',
      },
      {
        name: 'a single Statement object',
        policy: { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } },
        request: request('rds:DeleteDBInstance', DB),
        expected: 'allow',
      },
    ];
    for (const row of rows) {
      it(`${row.name} → ${row.expected}`, () => {
        expect(decide([parsePolicy(row.policy)], row.request)).to.equal(row.expected);
      });
    }

    it('a Deny in one policy beats an Allow in another', () => {
      const policies = [
        allow({ Action: 'rds:*', Resource: '*' }),
        { Statement: [{ Effect: 'Deny', Action: 'rds:Delete*', Resource: '*' }] },
      ].map(parsePolicy);
      expect(decide(policies, request('rds:DeleteDBInstance', DB))).to.equal('explicit-deny');
      expect(decide(policies, request('rds:RebootDBInstance', DB))).to.equal('allow');
    });

    it('no policy at all: implicit deny', () => {
      expect(decide([], request('rds:DescribeDBInstances', '*'))).to.equal('implicit-deny');
    });
  });

  describe('conditions', () => {
    const tagged: ConditionContext = {
      'aws:resourcetag/broker name': 'rds-broker',
      'rds:db-tag/broker name': 'rds-broker',
      'aws:requesttag/team': 'payments',
      'aws:tagkeys': ['team', 'Broker Name'],
      'rds:multiaz': 'false',
      'rds:storagesize': '20',
    };
    const rows: [string, Record<string, unknown>, ConditionContext, boolean][] = [
      ['StringEquals on a resource tag', { StringEquals: { 'aws:ResourceTag/Broker Name': 'rds-broker' } }, tagged, true],
      ['StringEquals: condition keys in any case', { StringEquals: { 'AWS:RESOURCETAG/broker name': 'rds-broker' } }, tagged, true],
      ['StringEquals: values are case-sensitive', { StringEquals: { 'aws:ResourceTag/Broker Name': 'RDS-Broker' } }, tagged, false],
      ['StringEquals: any of several values', { StringEquals: { 'rds:db-tag/Broker Name': ['other', 'rds-broker'] } }, tagged, true],
      ['StringEquals on an absent key is false', { StringEquals: { 'aws:RequestTag/Broker Name': 'rds-broker' } }, tagged, false],
      [
        'StringEqualsIfExists on an absent key is true',
        { StringEqualsIfExists: { 'aws:RequestTag/Broker Name': 'rds-broker' } },
        tagged,
        true,
      ],
      ['StringEqualsIfExists on a present key compares', { StringEqualsIfExists: { 'aws:RequestTag/team': 'other' } }, tagged, false],
      ['StringNotEquals on a different value', { StringNotEquals: { 'aws:RequestTag/team': 'billing' } }, tagged, true],
      ['StringNotEquals on that value', { StringNotEquals: { 'aws:RequestTag/team': ['billing', 'payments'] } }, tagged, false],
      ['StringNotEquals on an absent key is true', { StringNotEquals: { 'aws:RequestTag/absent': 'x' } }, tagged, true],
      ['StringEqualsIgnoreCase', { StringEqualsIgnoreCase: { 'aws:RequestTag/team': 'PAYMENTS' } }, tagged, true],
      ['StringLike with *', { StringLike: { 'aws:ResourceTag/Broker Name': 'rds-*' } }, tagged, true],
      ['StringLike with ?', { StringLike: { 'aws:ResourceTag/Broker Name': 'rds-broke?' } }, tagged, true],
      ['StringNotLike', { StringNotLike: { 'aws:ResourceTag/Broker Name': 'rds-*' } }, tagged, false],
      ['Null true: the key is absent', { Null: { 'aws:RequestTag/Broker Name': 'true' } }, tagged, true],
      ['Null false: the key is present', { Null: { 'aws:RequestTag/team': 'false' } }, tagged, true],
      ['Null false on an absent key', { Null: { 'aws:RequestTag/Broker Name': false } }, tagged, false],
      ['Bool', { Bool: { 'rds:MultiAz': 'false' } }, tagged, true],
      ['Bool written as a JSON boolean', { Bool: { 'rds:MultiAz': true } }, tagged, false],
      ['NumericLessThanEquals', { NumericLessThanEquals: { 'rds:StorageSize': '100' } }, tagged, true],
      ['NumericGreaterThan', { NumericGreaterThan: { 'rds:StorageSize': 20 } }, tagged, false],
      ['NumericEquals on a text value is false', { NumericEquals: { 'aws:RequestTag/team': '1' } }, tagged, false],
      [
        'ForAllValues:StringEquals, every key listed',
        { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'Broker Name', 'env'] } },
        tagged,
        true,
      ],
      ['ForAllValues:StringEquals, a key not listed', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } }, tagged, false],
      ['ForAllValues on an absent key is true', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } }, {}, true],
      ['ForAnyValue:StringEquals, one key listed', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team'] } }, tagged, true],
      ['ForAnyValue:StringEquals, none listed', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } }, tagged, false],
      ['ForAnyValue on an absent key is false', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team'] } }, {}, false],
      ['ForAnyValue:StringNotEquals on an absent key is false', { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['team'] } }, {}, false],
      ['ForAllValues:StringLike', { 'ForAllValues:StringLike': { 'aws:TagKeys': ['t*', 'Broker *'] } }, tagged, true],
      [
        'several operators must all hold',
        { StringEquals: { 'aws:ResourceTag/Broker Name': 'rds-broker' }, Bool: { 'rds:MultiAz': 'true' } },
        tagged,
        false,
      ],
      [
        'several keys under one operator must all hold',
        { StringEquals: { 'aws:ResourceTag/Broker Name': 'rds-broker', 'aws:RequestTag/team': 'payments' } },
        tagged,
        true,
      ],
      [
        'ArnLike',
        { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/broker-*' } },
        { 'aws:principalarn': 'arn:aws:iam::1:user/broker-a' },
        true,
      ],
    ];
    for (const [name, condition, context, expected] of rows) {
      it(`${name} → ${expected}`, () => {
        const policy = parsePolicy(allow({ Action: 'rds:*', Resource: '*', Condition: condition }));
        expect(decide([policy], request('rds:ModifyDBInstance', DB, context))).to.equal(expected ? 'allow' : 'implicit-deny');
      });
    }
  });

  describe('a call that needs several resources', () => {
    const policy = parsePolicy(
      allow({ Action: 'rds:CreateDBInstance', Resource: ['arn:aws:rds:*:*:db:rdsb-*', 'arn:aws:rds:*:*:subgrp:*'] }),
    );

    it('is refused on the first resource no statement allows', () => {
      const outcome = decideAll(
        [policy],
        [
          request('rds:CreateDBInstance', DB),
          request('rds:CreateDBInstance', PG),
          request('rds:CreateDBInstance', 'arn:aws:rds:us-east-1:1:subgrp:default'),
        ],
      );
      expect(outcome).to.deep.include({ decision: 'implicit-deny' });
      expect(outcome.decision !== 'allow' && outcome.request.resource).to.equal(PG);
    });

    it('is allowed when every resource is', () => {
      expect(decideAll([policy], [request('rds:CreateDBInstance', DB)])).to.deep.equal({ decision: 'allow' });
    });

    it('reports an explicit deny before an implicit one', () => {
      const deny = parsePolicy({ Statement: [{ Effect: 'Deny', Action: '*', Resource: 'arn:aws:rds:*:*:subgrp:*' }] });
      const outcome = decideAll(
        [policy, deny],
        [request('rds:CreateDBInstance', PG), request('rds:CreateDBInstance', 'arn:aws:rds:us-east-1:1:subgrp:default')],
      );
      expect(outcome.decision).to.equal('explicit-deny');
    });
  });

  describe('the AccessDenied message, as AWS words it', () => {
    const user = 'arn:aws:iam::123456789012:user/broker';
    it('an implicit deny on a resource', () => {
      expect(denialMessage(user, request('rds:CreateDBInstance', PG), 'implicit-deny')).to.equal(
        `User: ${user} is not authorized to perform: rds:CreateDBInstance on resource: ${PG} because no identity-based policy allows the rds:CreateDBInstance action`,
      );
    });
    it('an explicit deny', () => {
      expect(denialMessage(user, request('rds:DeleteDBInstance', DB), 'explicit-deny')).to.equal(
        `User: ${user} is not authorized to perform: rds:DeleteDBInstance on resource: ${DB} with an explicit deny in an identity-based policy`,
      );
    });
    it('an action without resources names none', () => {
      expect(denialMessage(user, request('rds:DescribeDBEngineVersions', '*'), 'implicit-deny')).to.equal(
        `User: ${user} is not authorized to perform: rds:DescribeDBEngineVersions because no identity-based policy allows the rds:DescribeDBEngineVersions action`,
      );
    });
  });

  describe('documents IAM would refuse are refused', () => {
    const rows: [string, unknown, RegExp][] = [
      ['not JSON', '{', /not JSON/],
      ['no Statement', { Version: '2012-10-17' }, /no Statement/],
      ['a bad Version', { Version: '2020-01-01', Statement: [] }, /Version/],
      ['no Effect', { Statement: [{ Action: '*', Resource: '*' }] }, /Effect/],
      [
        'Action and NotAction',
        { Statement: [{ Effect: 'Allow', Action: '*', NotAction: 'rds:*', Resource: '*' }] },
        /exactly one of Action and NotAction/,
      ],
      ['no Resource', { Statement: [{ Effect: 'Allow', Action: '*' }] }, /exactly one of Resource and NotResource/],
      ['a Principal', { Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }, /Principal/],
      [
        'an unknown operator',
        { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringSortOf: { a: 'b' } } }] },
        /StringSortOf/,
      ],
      ['a bad action', { Statement: [{ Effect: 'Allow', Action: 'CreateDBInstance', Resource: '*' }] }, /not an action/],
      [
        'Null with a non-boolean',
        { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { Null: { a: 'maybe' } } }] },
        /true or false/,
      ],
      ['an empty Action list', { Statement: [{ Effect: 'Allow', Action: [], Resource: '*' }] }, /empty/],
    ];
    for (const [name, document, message] of rows) {
      it(name, () => {
        expect(() => parsePolicy(document)).to.throw(message);
      });
    }
  });
});
