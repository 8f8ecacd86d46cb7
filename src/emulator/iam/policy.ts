/**
 * IAM identity-based policy documents: parsed once, strictly, into statements the evaluator can
 * match without re-reading JSON. A document IAM would refuse (no Effect, Action and NotAction
 * together, a condition operator nobody defines) is refused here with the reason, so a policy that
 * would not even attach in AWS never looks as if it worked against the emulator.
 */

export type Effect = 'Allow' | 'Deny';

/** The condition operators this evaluator implements (without the IfExists suffix or set prefix). */
export const CONDITION_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'Bool',
  'Null',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
] as const;

export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export interface ConditionClause {
  operator: ConditionOperator;
  /** `ForAllValues:` / `ForAnyValue:`: the context value is a set compared member by member. */
  set?: 'ForAllValues' | 'ForAnyValue';
  /** `…IfExists`: true when the key is absent from the request. */
  ifExists: boolean;
  /** Lower case: condition key names are case-insensitive. */
  key: string;
  values: string[];
}

export interface Statement {
  sid?: string;
  effect: Effect;
  /** Exactly one of actions / notActions. */
  actions?: string[];
  notActions?: string[];
  /** Exactly one of resources / notResources. */
  resources?: string[];
  notResources?: string[];
  conditions: ConditionClause[];
}

export interface Policy {
  statements: Statement[];
}

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

const VERSIONS = ['2012-10-17', '2008-10-17'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string or a non-empty list of strings, as IAM allows for Action, Resource and condition values. */
function stringList(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new PolicyError(`${where} must not be an empty list`);
  return list.map((item) => {
    if (typeof item === 'string') return item;
    throw new PolicyError(`${where} must be a string or a list of strings`);
  });
}

/** Condition values may also be booleans and numbers in JSON; IAM compares their text. */
function conditionValues(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new PolicyError(`${where} must not be an empty list`);
  return list.map((item) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'boolean' || typeof item === 'number') return String(item);
    throw new PolicyError(`${where} must be strings, numbers or booleans`);
  });
}

function parseOperator(raw: string, where: string): Pick<ConditionClause, 'operator' | 'set' | 'ifExists'> {
  let rest = raw;
  let set: ConditionClause['set'];
  for (const prefix of ['ForAllValues', 'ForAnyValue'] as const) {
    if (rest.startsWith(`${prefix}:`)) {
      set = prefix;
      rest = rest.slice(prefix.length + 1);
    }
  }
  const ifExists = rest.endsWith('IfExists') && rest !== 'IfExists';
  if (ifExists) rest = rest.slice(0, -'IfExists'.length);
  if (!(CONDITION_OPERATORS as readonly string[]).includes(rest)) {
    throw new PolicyError(
      `${where}: condition operator ${raw} is not one this emulator evaluates (${CONDITION_OPERATORS.join(', ')}, with IfExists and ForAllValues:/ForAnyValue:)`,
    );
  }
  if (rest === 'Null' && (ifExists || set)) throw new PolicyError(`${where}: ${raw} is not a valid operator`);
  return { operator: rest as ConditionOperator, set, ifExists };
}

function parseConditions(raw: unknown, where: string): ConditionClause[] {
  if (raw === undefined) return [];
  if (!isRecord(raw)) throw new PolicyError(`${where}.Condition must be an object`);
  const clauses: ConditionClause[] = [];
  for (const [operatorName, block] of Object.entries(raw)) {
    const at = `${where}.Condition.${operatorName}`;
    const operator = parseOperator(operatorName, at);
    if (!isRecord(block)) throw new PolicyError(`${at} must be an object of condition keys`);
    for (const [key, value] of Object.entries(block)) {
      const values = conditionValues(value, `${at}.${key}`);
      if (operator.operator === 'Null' || operator.operator === 'Bool') {
        const bad = values.find((v) => !['true', 'false'].includes(v.toLowerCase()));
        if (bad !== undefined) throw new PolicyError(`${at}.${key}: ${operator.operator} takes true or false, not ${bad}`);
      }
      clauses.push({ ...operator, key: key.toLowerCase(), values });
    }
  }
  return clauses;
}

function exactlyOne(statement: Record<string, unknown>, a: string, b: string, where: string): void {
  const count = [a, b].filter((name) => statement[name] !== undefined).length;
  if (count !== 1) throw new PolicyError(`${where} must have exactly one of ${a} and ${b}`);
}

function parseStatement(raw: unknown, where: string): Statement {
  if (!isRecord(raw)) throw new PolicyError(`${where} must be an object`);
  const known = ['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'];
  const unknown = Object.keys(raw).filter((name) => !known.includes(name));
  if (unknown.includes('Principal') || unknown.includes('NotPrincipal')) {
    throw new PolicyError(`${where}: an identity-based policy has no Principal (that is a resource-based policy)`);
  }
  if (unknown.length > 0) throw new PolicyError(`${where}: unknown element ${unknown.join(', ')}`);
  if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny') throw new PolicyError(`${where}.Effect must be "Allow" or "Deny"`);
  if (raw.Sid !== undefined && typeof raw.Sid !== 'string') throw new PolicyError(`${where}.Sid must be a string`);
  exactlyOne(raw, 'Action', 'NotAction', where);
  exactlyOne(raw, 'Resource', 'NotResource', where);
  const statement: Statement = { effect: raw.Effect, conditions: parseConditions(raw.Condition, where) };
  if (typeof raw.Sid === 'string') statement.sid = raw.Sid;
  if (raw.Action !== undefined) statement.actions = checkActions(stringList(raw.Action, `${where}.Action`), `${where}.Action`);
  if (raw.NotAction !== undefined)
    statement.notActions = checkActions(stringList(raw.NotAction, `${where}.NotAction`), `${where}.NotAction`);
  if (raw.Resource !== undefined) statement.resources = stringList(raw.Resource, `${where}.Resource`);
  if (raw.NotResource !== undefined) statement.notResources = stringList(raw.NotResource, `${where}.NotResource`);
  return statement;
}

/** `service:Action` with wildcards, or `*` alone, as IAM's grammar has it. */
function checkActions(actions: string[], where: string): string[] {
  for (const action of actions) {
    if (action !== '*' && !/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(action)) {
      throw new PolicyError(`${where}: ${action} is not an action (service:Action, wildcards allowed)`);
    }
  }
  return actions;
}

/** A policy document, as JSON text or already parsed. */
export function parsePolicy(document: unknown): Policy {
  let raw = document;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch (error) {
      throw new PolicyError(`the policy is not JSON: ${(error as Error).message}`);
    }
  }
  if (!isRecord(raw)) throw new PolicyError('the policy must be a JSON object');
  const unknown = Object.keys(raw).filter((name) => !['Version', 'Id', 'Statement'].includes(name));
  if (unknown.length > 0) throw new PolicyError(`unknown top-level element ${unknown.join(', ')}`);
  if (raw.Version !== undefined && !VERSIONS.includes(raw.Version as string)) {
    throw new PolicyError(`Version must be one of ${VERSIONS.join(', ')}`);
  }
  if (raw.Statement === undefined) throw new PolicyError('the policy has no Statement');
  const statements = Array.isArray(raw.Statement) ? raw.Statement : [raw.Statement];
  if (statements.length === 0) throw new PolicyError('Statement must not be empty');
  return { statements: statements.map((s, i) => parseStatement(s, `Statement[${i}]`)) };
}
