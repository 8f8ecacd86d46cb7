/**
 * IAM's evaluation logic for identity-based policies, pure: one action on one resource in one
 * request context against a set of policies. An explicit Deny in any statement wins; otherwise an
 * Allow that matches allows; otherwise the request is implicitly denied.
 */
import type { ConditionClause, Policy, Statement } from './policy.js';

/**
 * The request context: condition key (lower case) → value. A list is a multivalued key
 * (aws:TagKeys); a key that is absent is simply not there, which operators treat as IAM does.
 */
export type ConditionContext = Readonly<Record<string, string | readonly string[]>>;

export interface AuthorizationRequest {
  /** `rds:CreateDBInstance` */
  action: string;
  /** The resource's ARN, or `*` for actions without resource-level permissions. */
  resource: string;
  context: ConditionContext;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

const patterns = new Map<string, RegExp>();

/** IAM wildcards: `*` any run of characters, `?` one character; everything else literal. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const cacheKey = `${ignoreCase ? 'i' : 's'}:${pattern}`;
  let regex = patterns.get(cacheKey);
  if (!regex) {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    regex = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    if (patterns.size > 10_000) patterns.clear();
    patterns.set(cacheKey, regex);
  }
  return regex.test(value);
}

type Comparison = (actual: string, expected: string) => boolean;

function numeric(compare: (a: number, b: number) => boolean): Comparison {
  return (actual, expected) => {
    const a = Number(actual);
    const b = Number(expected);
    return actual.trim() !== '' && Number.isFinite(a) && Number.isFinite(b) && compare(a, b);
  };
}

/** Each operator as a positive comparison, and whether the operator negates it. */
const COMPARISONS: Record<Exclude<ConditionClause['operator'], 'Null'>, { compare: Comparison; negated: boolean }> = {
  StringEquals: { compare: (a, e) => a === e, negated: false },
  StringNotEquals: { compare: (a, e) => a === e, negated: true },
  StringEqualsIgnoreCase: { compare: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { compare: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: true },
  StringLike: { compare: (a, e) => wildcardMatch(e, a), negated: false },
  StringNotLike: { compare: (a, e) => wildcardMatch(e, a), negated: true },
  NumericEquals: { compare: numeric((a, b) => a === b), negated: false },
  NumericNotEquals: { compare: numeric((a, b) => a === b), negated: true },
  NumericLessThan: { compare: numeric((a, b) => a < b), negated: false },
  NumericLessThanEquals: { compare: numeric((a, b) => a <= b), negated: false },
  NumericGreaterThan: { compare: numeric((a, b) => a > b), negated: false },
  NumericGreaterThanEquals: { compare: numeric((a, b) => a >= b), negated: false },
  Bool: { compare: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: false },
  ArnEquals: { compare: (a, e) => wildcardMatch(e, a), negated: false },
  ArnLike: { compare: (a, e) => wildcardMatch(e, a), negated: false },
  ArnNotEquals: { compare: (a, e) => wildcardMatch(e, a), negated: true },
  ArnNotLike: { compare: (a, e) => wildcardMatch(e, a), negated: true },
};

/** One condition clause against the context. */
export function conditionHolds(clause: ConditionClause, context: ConditionContext): boolean {
  const raw = context[clause.key];
  const present = raw !== undefined && !(Array.isArray(raw) && raw.length === 0);
  const actual: readonly string[] = raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw;
  if (clause.operator === 'Null') return clause.values.some((v) => (v.toLowerCase() === 'true') === !present);
  const { compare, negated } = COMPARISONS[clause.operator];
  // A value satisfies the operator when it matches any of the policy's values (positive
  // operators) or none of them (negated ones).
  const satisfies = (value: string) => clause.values.some((expected) => compare(value, expected)) !== negated;
  if (clause.set === 'ForAllValues') return actual.every(satisfies);
  // An absent key: a set of no values has no member to match, a negated operator holds.
  if (!present) return clause.ifExists || (negated && clause.set !== 'ForAnyValue');
  // ForAnyValue, and a multivalued key under a plain operator: any member will do.
  if (clause.set === 'ForAnyValue' || actual.length > 1) return actual.some(satisfies);
  return satisfies(actual[0]!);
}

function actionMatches(statement: Statement, action: string): boolean {
  if (statement.actions) return statement.actions.some((p) => wildcardMatch(p, action, true));
  return !statement.notActions!.some((p) => wildcardMatch(p, action, true));
}

function resourceMatches(statement: Statement, resource: string): boolean {
  if (statement.resources) return statement.resources.some((p) => wildcardMatch(p, resource));
  return !statement.notResources!.some((p) => wildcardMatch(p, resource));
}

export function statementApplies(statement: Statement, request: AuthorizationRequest): boolean {
  return (
    actionMatches(statement, request.action) &&
    resourceMatches(statement, request.resource) &&
    statement.conditions.every((clause) => conditionHolds(clause, request.context))
  );
}

export function decide(policies: readonly Policy[], request: AuthorizationRequest): Decision {
  let allowed = false;
  for (const policy of policies) {
    for (const statement of policy.statements) {
      if (!statementApplies(statement, request)) continue;
      if (statement.effect === 'Deny') return 'explicit-deny';
      allowed = true;
    }
  }
  return allowed ? 'allow' : 'implicit-deny';
}

/** A whole call: every (action, resource) it needs must be allowed. The first refusal, explicit ones first. */
export function decideAll(
  policies: readonly Policy[],
  requests: readonly AuthorizationRequest[],
): { decision: 'allow' } | { decision: 'explicit-deny' | 'implicit-deny'; request: AuthorizationRequest } {
  let firstImplicit: AuthorizationRequest | undefined;
  for (const request of requests) {
    const decision = decide(policies, request);
    if (decision === 'explicit-deny') return { decision, request };
    if (decision === 'implicit-deny') firstImplicit ??= request;
  }
  return firstImplicit ? { decision: 'implicit-deny', request: firstImplicit } : { decision: 'allow' };
}

/** RDS's AccessDenied message, worded as AWS words it. */
export function denialMessage(principal: string, request: AuthorizationRequest, decision: 'explicit-deny' | 'implicit-deny'): string {
  const on = request.resource === '*' ? '' : ` on resource: ${request.resource}`;
  const why =
    decision === 'explicit-deny'
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${request.action} action`;
  return `User: ${principal} is not authorized to perform: ${request.action}${on} ${why}`;
}
