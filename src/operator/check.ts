import { RDS_DEFAULT_BUDGET } from '../aws/budget.js';
import type { Config } from '../config/load.js';
import { engineFamily } from '../broker/plans.js';
import { printable } from './format.js';
import { tlsFindings, type TlsFacts } from './check-tls.js';

/**
 * `rds-broker check`: what was found, turned into findings that each name the configuration path
 * they come from. Pure: check-run.ts gathers the facts from RDS and the file system.
 */

export interface Finding {
  /** Where in the configuration the checked value is, e.g. catalog.services[0].plans[1].rds.engineVersion. */
  path: string;
  ok: boolean;
  message: string;
}

/**
 * What one look-up found: the thing, its absence, or why it could not be looked at. `denied` names
 * the IAM action (rds:…) when the broker's identity was refused it: reported once per action, with
 * the fix, instead of at every path that could not be checked.
 */
export type Lookup<T> = { state: 'found'; value: T } | { state: 'missing' } | { state: 'error'; message: string; denied?: string };

export interface EngineVersionFact {
  /** The parameter group family of this version, e.g. postgres17. */
  family?: string;
  /** The minor RDS picks for a major version given alone ("17" → "17.6"). */
  resolvedVersion?: string;
}
export interface ParameterGroupFact {
  family?: string;
}
export interface SubnetGroupFact {
  status?: string;
  vpcId?: string;
  subnets: number;
}

/** What DescribeOrderableDBInstanceOptions offers for one engine version and class. */
export interface InstanceClassFact {
  storageTypes: string[];
}

export interface CheckFacts {
  /** Whether RDS answered with the configured credentials; `path` names what to fix when not. */
  aws: { ok: true; message: string } | { ok: false; path: string; message: string };
  /** Keyed by engineVersionKey(engine, version). */
  engineVersions: ReadonlyMap<string, Lookup<EngineVersionFact>>;
  parameterGroups: ReadonlyMap<string, Lookup<ParameterGroupFact>>;
  subnetGroups: ReadonlyMap<string, Lookup<SubnetGroupFact>>;
  /** Keyed by instanceClassKey(engine, version, class); absent when not looked up. */
  instanceClasses?: ReadonlyMap<string, Lookup<InstanceClassFact>>;
  /** Findings about files (CA bundle, listen TLS), made where the files were read. */
  files: readonly Finding[];
  /** The database TLS facts (authorities, trusted bundle, connections); absent when not gathered. */
  tls?: TlsFacts;
  /** Set when RDS refused DescribeDBInstances to the broker's identity (the reachability probe). */
  instancesDenied?: string;
}

export const engineVersionKey = (engine: string, version: string) => `${engine} ${version}`;
export const instanceClassKey = (engine: string, version: string, instanceClass: string) => `${engine} ${version} ${instanceClass}`;

/** What to look up in RDS for a configuration: each engine version and group once. */
export function lookupsNeeded(config: Pick<Config, 'catalog'>): {
  engineVersions: Array<{ engine: string; version: string }>;
  parameterGroups: string[];
  subnetGroups: string[];
} {
  const versions = new Map<string, { engine: string; version: string }>();
  const parameterGroups = new Set<string>();
  const subnetGroups = new Set<string>();
  for (const service of config.catalog.services) {
    for (const plan of service.plans) {
      versions.set(engineVersionKey(plan.rds.engine, plan.rds.engineVersion), { engine: plan.rds.engine, version: plan.rds.engineVersion });
      if (plan.rds.dbParameterGroupName) parameterGroups.add(plan.rds.dbParameterGroupName);
      if (plan.rds.dbSubnetGroupName) subnetGroups.add(plan.rds.dbSubnetGroupName);
    }
  }
  return { engineVersions: [...versions.values()], parameterGroups: [...parameterGroups], subnetGroups: [...subnetGroups] };
}

/** A problem to report at the look-up's path; none for a found or missing thing, nor for a denied action (permissionFindings reports it). */
function lookupFailed(what: string, lookup: Lookup<unknown> | undefined): string | undefined {
  if (!lookup) return `${what} was not looked up`;
  if (lookup.state === 'error' && !lookup.denied) return `cannot tell whether ${what} exists: ${lookup.message}`;
  return undefined;
}

const isDenied = (lookup: Lookup<unknown> | undefined) => lookup?.state === 'error' && lookup.denied !== undefined;

export function planFindings(config: Pick<Config, 'catalog' | 'aws'>, facts: CheckFacts): Finding[] {
  const findings: Finding[] = [];
  const region = config.aws.region;
  config.catalog.services.forEach((service, s) => {
    service.plans.forEach((plan, p) => {
      const at = `catalog.services[${s}].plans[${p}].rds`;
      const rds = plan.rds;
      const versionLookup = facts.engineVersions.get(engineVersionKey(rds.engine, rds.engineVersion));
      const versionWhat = `${rds.engine} ${rds.engineVersion}`;
      let versionFamily: string | undefined;
      const versionProblem = lookupFailed(`engine version ${versionWhat}`, versionLookup);
      if (isDenied(versionLookup)) {
        // Reported by permissionFindings.
      } else if (versionProblem) findings.push({ path: `${at}.engineVersion`, ok: false, message: versionProblem });
      else if (versionLookup!.state === 'missing') {
        findings.push({
          path: `${at}.engineVersion`,
          ok: false,
          message: `RDS offers no engine version ${versionWhat} in ${region} (plan ${plan.name})`,
        });
      } else if (versionLookup!.state === 'found') {
        versionFamily = versionLookup!.value.family;
        const resolved = versionLookup!.value.resolvedVersion;
        findings.push({
          path: `${at}.engineVersion`,
          ok: true,
          message: `${versionWhat} exists${resolved ? ` (RDS picks ${resolved})` : ''}${versionFamily ? ` (parameter group family ${versionFamily})` : ''}`,
        });
        if (rds.engineFamily && versionFamily && rds.engineFamily !== versionFamily) {
          findings.push({
            path: `${at}.engineFamily`,
            ok: false,
            message: `${rds.engineFamily} does not match ${versionWhat}, whose family is ${versionFamily}`,
          });
        }
      }
      const family = versionFamily ?? engineFamily(plan);

      // The class a plan names must be one RDS sells for its engine version, or every provision fails.
      const classLookup = facts.instanceClasses?.get(instanceClassKey(rds.engine, rds.engineVersion, rds.instanceClass));
      if (isDenied(classLookup)) {
        // Reported by permissionFindings.
      } else if (classLookup?.state === 'error') {
        findings.push({
          path: `${at}.instanceClass`,
          ok: false,
          message: `cannot tell whether ${rds.instanceClass} is orderable: ${classLookup.message}`,
        });
      } else if (classLookup?.state === 'missing') {
        findings.push({
          path: `${at}.instanceClass`,
          ok: false,
          message: `RDS offers no instance class ${rds.instanceClass} for ${versionWhat} in ${region} (plan ${plan.name}); DescribeOrderableDBInstanceOptions lists the classes it does`,
        });
      } else if (classLookup?.state === 'found') {
        const types = classLookup.value.storageTypes;
        if (types.length > 0 && !types.includes(rds.storageType)) {
          findings.push({
            path: `${at}.storageType`,
            ok: false,
            message: `${rds.instanceClass} with ${versionWhat} offers storage ${types.join(', ')}, not ${rds.storageType}`,
          });
        } else {
          findings.push({
            path: `${at}.instanceClass`,
            ok: true,
            message: `${rds.instanceClass} is orderable for ${versionWhat} with ${rds.storageType}`,
          });
        }
      }

      if (rds.dbParameterGroupName) {
        const name = rds.dbParameterGroupName;
        const lookup = facts.parameterGroups.get(name);
        const problem = lookupFailed(`parameter group ${name}`, lookup);
        if (isDenied(lookup)) {
          // Reported by permissionFindings.
        } else if (problem) findings.push({ path: `${at}.dbParameterGroupName`, ok: false, message: problem });
        else if (lookup!.state === 'missing')
          findings.push({ path: `${at}.dbParameterGroupName`, ok: false, message: `RDS has no DB parameter group ${name} in ${region}` });
        else if (lookup!.state === 'found') {
          const groupFamily = lookup!.value.family;
          if (groupFamily && groupFamily !== family) {
            findings.push({
              path: `${at}.dbParameterGroupName`,
              ok: false,
              message: `parameter group ${name} is of family ${groupFamily}, but ${versionWhat} needs ${family}`,
            });
          } else {
            findings.push({
              path: `${at}.dbParameterGroupName`,
              ok: true,
              message: `parameter group ${name} exists${groupFamily ? ` (family ${groupFamily})` : ''}`,
            });
          }
        }
      }

      if (rds.dbSubnetGroupName) {
        const name = rds.dbSubnetGroupName;
        const lookup = facts.subnetGroups.get(name);
        const problem = lookupFailed(`subnet group ${name}`, lookup);
        if (isDenied(lookup)) {
          // Reported by permissionFindings.
        } else if (problem) findings.push({ path: `${at}.dbSubnetGroupName`, ok: false, message: problem });
        else if (lookup!.state === 'missing')
          findings.push({ path: `${at}.dbSubnetGroupName`, ok: false, message: `RDS has no DB subnet group ${name} in ${region}` });
        else if (lookup!.state === 'found') {
          const group = lookup!.value;
          findings.push({
            path: `${at}.dbSubnetGroupName`,
            ok: true,
            message: `subnet group ${name} exists (${group.subnets} subnets${group.vpcId ? ` in ${group.vpcId}` : ''}${group.status ? `, ${group.status}` : ''})`,
          });
        }
      }
    });
  });
  return findings;
}

/**
 * One finding per IAM action RDS refused the broker's identity, naming what could not be checked
 * and the fix: each of these actions is one the broker or this check calls.
 */
export function permissionFindings(facts: CheckFacts, configFile = 'FILE'): Finding[] {
  // action → kind of thing ("parameter group") → names that could not be checked
  const unchecked = new Map<string, Map<string, string[]>>();
  const note = (lookup: Lookup<unknown> | undefined, kind: string, name?: string) => {
    if (lookup?.state !== 'error' || !lookup.denied) return;
    const kinds = unchecked.get(lookup.denied) ?? new Map<string, string[]>();
    unchecked.set(lookup.denied, kinds);
    kinds.set(kind, [...(kinds.get(kind) ?? []), ...(name === undefined ? [] : [name])]);
  };
  if (facts.instancesDenied) unchecked.set(facts.instancesDenied, new Map([["the broker's instances", []]]));
  for (const [key, lookup] of facts.engineVersions) note(lookup, 'engine version', key);
  for (const [key, lookup] of facts.instanceClasses ?? []) note(lookup, 'instance class', key);
  for (const [key, lookup] of facts.parameterGroups) note(lookup, 'parameter group', key);
  for (const [key, lookup] of facts.subnetGroups) note(lookup, 'subnet group', key);
  note(facts.tls?.certificates, 'the certificate authorities');
  note(facts.tls?.instances, "the broker's instances");
  const describe = (kind: string, names: string[]) =>
    names.length === 0 ? kind : `${kind}${names.length === 1 ? '' : 's'} ${[...new Set(names)].join(', ')}`;
  return [...unchecked].map(([action, kinds]) => ({
    path: 'aws.credentials',
    ok: false,
    message: `RDS refused ${action} to the broker's identity (AccessDenied), so ${[...kinds].map(([k, n]) => describe(k, n)).join('; ')} could not be checked. Fix: grant it (\`npx rds-broker iam-policy --config ${configFile}\` prints the policy this configuration needs)`,
  }));
}

/** Every finding, AWS first; plan findings only when AWS answered (otherwise each would repeat the same failure). */
export function allFindings(config: Pick<Config, 'catalog' | 'aws' | 'database'>, facts: CheckFacts, configFile?: string): Finding[] {
  const aws: Finding = facts.aws.ok
    ? { path: 'aws', ok: true, message: facts.aws.message }
    : { path: facts.aws.path, ok: false, message: facts.aws.message };
  if (!facts.aws.ok) return [...facts.files, aws, budgetFinding(config.aws.budget)];
  return [
    ...facts.files,
    aws,
    ...permissionFindings(facts, configFile),
    budgetFinding(config.aws.budget),
    ...planFindings(config, facts),
    ...(facts.tls ? tlsFindings(config, facts.tls) : []),
  ];
}

/** The configured request budget against RDS's documented default (information: RDS's quota is not readable). */
export function budgetFinding(budget: Config['aws']['budget']): Finding {
  const d = RDS_DEFAULT_BUDGET;
  const what = budget.enabled
    ? `burst ${budget.burst}, ${budget.ratePerSecond}/s per replica (RDS's default per account and region: burst ${d.burst}, ${d.ratePerSecond}/s, shared by every replica and tool)`
    : `off: RDS calls are not paced (RDS's default per account and region: burst ${d.burst}, ${d.ratePerSecond}/s)`;
  const over = budget.enabled && (budget.burst > d.burst || budget.ratePerSecond > d.ratePerSecond);
  return {
    path: 'aws.budget',
    ok: true,
    message: over ? `${what}; above the default: right only if the account's limit was raised` : what,
  };
}

/** Splits a ConfigError problem (`path: message`) into its parts; problems without a path keep the whole text. */
export function splitProblem(problem: string): { path: string | null; message: string } {
  const match = /^((?:[A-Za-z_][\w-]*|\[\d+\])(?:\.[A-Za-z_][\w-]*|\[\d+\])*|\(root\)): ([\s\S]*)$/.exec(problem);
  return match ? { path: match[1]!, message: match[2]! } : { path: null, message: problem };
}

export interface CheckReport {
  configFile: string;
  /** False when the file itself is invalid: nothing else was checked. */
  valid: boolean;
  /** True only when every check passed. */
  ok: boolean;
  problems: Array<{ path: string | null; message: string }>;
  checks: Finding[];
}

export function checkReport(configFile: string, findings: readonly Finding[]): CheckReport {
  const problems = findings.filter((f) => !f.ok).map((f) => ({ path: f.path, message: f.message }));
  return { configFile, valid: true, ok: problems.length === 0, problems, checks: [...findings] };
}

export function invalidConfigReport(configFile: string, problems: readonly string[]): CheckReport {
  return { configFile, valid: false, ok: false, problems: problems.map(splitProblem), checks: [] };
}

export function renderCheck(report: CheckReport): string {
  const lines: string[] = [];
  if (!report.valid) {
    lines.push(`Configuration ${report.configFile} is invalid; nothing else was checked:`);
    for (const p of report.problems) lines.push(`  FAIL  ${p.path ? `${p.path}: ` : ''}${p.message}`);
    return lines.map(printable).join('\n');
  }
  lines.push(`Configuration ${report.configFile} is valid.`);
  for (const c of report.checks) lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.path}: ${c.message}`);
  const n = report.problems.length;
  lines.push(n === 0 ? 'All checks passed.' : `${n} problem${n === 1 ? '' : 's'} found.`);
  return lines.map(printable).join('\n');
}
