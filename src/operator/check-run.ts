import { readFileSync } from 'node:fs';
import type { DBEngineVersion } from '@aws-sdk/client-rds';
import { RdsError } from '../aws/errors.js';
import type { BrokerDeps } from '../broker/deps.js';
import type { Config } from '../config/load.js';
import {
  lookupsNeeded,
  engineVersionKey,
  instanceClassKey,
  type InstanceClassFact,
  type CheckFacts,
  type EngineVersionFact,
  type Finding,
  type Lookup,
  type ParameterGroupFact,
  type SubnetGroupFact,
} from './check.js';
import { gatherTlsFacts } from './check-tls-run.js';

/**
 * The effects behind `rds-broker check`: read the files the configuration names and ask RDS, once
 * per distinct engine version, parameter group and subnet group. Sequential on purpose: a check
 * is rare and should not spend the account's API budget in bursts.
 */

const CERTIFICATE = /-----BEGIN CERTIFICATE-----/g;

export function fileFindings(config: Config): Finding[] {
  const findings: Finding[] = [];
  const read = (path: string, file: string): string | undefined => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      findings.push({
        path,
        ok: false,
        message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      });
      return undefined;
    }
  };
  const ca = config.database.tls.caBundleFile;
  if (ca) {
    const text = read('database.tls.caBundleFile', ca);
    if (text !== undefined) {
      const count = text.match(CERTIFICATE)?.length ?? 0;
      findings.push(
        count > 0
          ? { path: 'database.tls.caBundleFile', ok: true, message: `${ca} holds ${count} certificate${count === 1 ? '' : 's'}` }
          : { path: 'database.tls.caBundleFile', ok: false, message: `${ca} holds no PEM certificate` },
      );
    }
  }
  const tls = config.listen.tls;
  if (tls) {
    if (read('listen.tls.certFile', tls.certFile) !== undefined)
      findings.push({ path: 'listen.tls.certFile', ok: true, message: `${tls.certFile} is readable` });
    if (read('listen.tls.keyFile', tls.keyFile) !== undefined)
      findings.push({ path: 'listen.tls.keyFile', ok: true, message: `${tls.keyFile} is readable` });
  }
  return findings;
}

/** Error codes that mean the credentials, not the network, are what failed. */
const CREDENTIAL_FAILURE =
  /InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClient|AccessDenied|ExpiredToken|AuthFailure|IncompleteSignature|InvalidAccessKeyId|NotAuthorized|CredentialsProvider|Credential/i;

/** Codes of a refusal by IAM: the credentials are valid, the identity lacks a permission. */
const PERMISSION_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

/** The IAM action RDS refused, when `error` is such a refusal. */
function deniedAction(error: unknown): string | undefined {
  return error instanceof RdsError && error.kind === 'denied' && PERMISSION_DENIED.has(error.code) ? `rds:${error.action}` : undefined;
}

async function reachAws(deps: BrokerDeps, config: Config): Promise<CheckFacts['aws'] & { denied?: string }> {
  const where = `${config.aws.region}${config.aws.endpoint ? ` at ${config.aws.endpoint}` : ''}`;
  const credentials = config.aws.credentials ? 'the configured credentials' : 'the standard AWS credential chain';
  try {
    // The cheapest call that needs working credentials: the readiness probe's describe of one
    // identifier; "not found" is a perfectly good answer.
    await deps.rds.describeInstance('rds-broker-check-probe');
    return { ok: true, message: `RDS in ${where} answered with ${credentials}` };
  } catch (error) {
    const denied = deniedAction(error);
    if (denied)
      return {
        ok: true,
        message: `RDS in ${where} answered with ${credentials}, and refused them ${denied} (see aws.credentials)`,
        denied,
      };
    const code = error instanceof RdsError ? error.code : ((error as Error).name ?? 'Error');
    const message = error instanceof Error ? error.message : String(error);
    if (CREDENTIAL_FAILURE.test(code) || CREDENTIAL_FAILURE.test(message)) {
      return { ok: false, path: 'aws.credentials', message: `RDS in ${where} refused ${credentials}: ${message}` };
    }
    return { ok: false, path: config.aws.endpoint ? 'aws.endpoint' : 'aws.region', message: `cannot reach RDS in ${where}: ${message}` };
  }
}

async function lookup<T>(find: () => Promise<T | undefined>): Promise<Lookup<T>> {
  try {
    const value = await find();
    return value === undefined ? { state: 'missing' } : { state: 'found', value };
  } catch (error) {
    if (error instanceof RdsError && error.kind === 'not-found') return { state: 'missing' };
    const denied = deniedAction(error);
    return { state: 'error', message: error instanceof Error ? error.message : String(error), ...(denied ? { denied } : {}) };
  }
}

/**
 * The engine version a plan names. A major version alone ("17") is what CreateDBInstance accepts
 * too: RDS then picks a minor of that major, so any minor of it counts as found.
 */
async function findEngineVersion(deps: BrokerDeps, engine: string, version: string): Promise<DBEngineVersion | undefined> {
  const answered = await deps.rds.describeEngineVersions(engine, version);
  const exact = answered.find((v) => v.EngineVersion === version);
  if (exact || !/^\d+$/.test(version)) return exact;
  const minors = (answered.length ? answered : await deps.rds.describeEngineVersions(engine)).filter((v) =>
    v.EngineVersion?.startsWith(`${version}.`),
  );
  return minors[minors.length - 1];
}

export async function gatherFacts(deps: BrokerDeps, config: Config): Promise<CheckFacts> {
  const files = fileFindings(config);
  const { denied: instancesDenied, ...aws } = await reachAws(deps, config);
  const facts: CheckFacts = {
    aws,
    files,
    engineVersions: new Map(),
    parameterGroups: new Map(),
    subnetGroups: new Map(),
    ...(instancesDenied ? { instancesDenied } : {}),
  };
  if (!aws.ok) return facts;
  const needed = lookupsNeeded(config);
  const engineVersions = new Map<string, Lookup<EngineVersionFact>>();
  for (const { engine, version } of needed.engineVersions) {
    engineVersions.set(
      engineVersionKey(engine, version),
      await lookup(async () => {
        const found = await findEngineVersion(deps, engine, version);
        return found
          ? {
              ...(found.DBParameterGroupFamily ? { family: found.DBParameterGroupFamily } : {}),
              ...(found.EngineVersion !== version ? { resolvedVersion: found.EngineVersion! } : {}),
            }
          : undefined;
      }),
    );
  }
  // Classes are asked for with the version RDS would pick (a major alone resolves to a minor).
  const instanceClasses = new Map<string, Lookup<InstanceClassFact>>();
  for (const service of config.catalog.services) {
    for (const { rds } of service.plans) {
      const key = instanceClassKey(rds.engine, rds.engineVersion, rds.instanceClass);
      if (instanceClasses.has(key)) continue;
      const version = engineVersions.get(engineVersionKey(rds.engine, rds.engineVersion));
      if (version?.state !== 'found') continue;
      const exact = version.value.resolvedVersion ?? rds.engineVersion;
      instanceClasses.set(
        key,
        await lookup(async () => {
          const options = await deps.rds.describeOrderableOptions(rds.engine, exact, rds.instanceClass);
          if (options.length === 0) return undefined;
          return { storageTypes: [...new Set(options.map((o) => o.StorageType).filter((t): t is string => t !== undefined))] };
        }),
      );
    }
  }
  const parameterGroups = new Map<string, Lookup<ParameterGroupFact>>();
  for (const name of needed.parameterGroups) {
    parameterGroups.set(
      name,
      await lookup(async () => {
        const group = await deps.rds.describeParameterGroup(name);
        return group ? { ...(group.DBParameterGroupFamily ? { family: group.DBParameterGroupFamily } : {}) } : undefined;
      }),
    );
  }
  const subnetGroups = new Map<string, Lookup<SubnetGroupFact>>();
  for (const name of needed.subnetGroups) {
    subnetGroups.set(
      name,
      await lookup(async () => {
        const group = await deps.rds.describeSubnetGroup(name);
        return group
          ? {
              subnets: group.Subnets?.length ?? 0,
              ...(group.SubnetGroupStatus ? { status: group.SubnetGroupStatus } : {}),
              ...(group.VpcId ? { vpcId: group.VpcId } : {}),
            }
          : undefined;
      }),
    );
  }
  const tls = await gatherTlsFacts(deps, config, lookup, instancesDenied !== undefined);
  return { ...facts, engineVersions, instanceClasses, parameterGroups, subnetGroups, tls };
}
