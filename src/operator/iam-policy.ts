import { PRELOAD_LIBRARIES, managedParameterGroupPrefix } from '../broker/extensions.js';
import { engineFamily } from '../broker/plans.js';
import type { ParsedConfig, PlanConfig } from '../config/schema.js';
import { Tag } from '../reconcile/tags.js';

/**
 * Pure: the least-privilege IAM policy for one configuration — exactly the RDS actions the broker's
 * gateway sends, each on the resources this configuration makes it touch:
 *
 * - instances `db:<identifierPrefix>-*`, created only tagged `Broker Name = <broker.name>` and changed
 *   only while they carry that tag;
 * - the snapshots a restore starts from: the broker's final snapshots (`<prefix>-…-final-…`) and RDS's
 *   automated ones of its instances (`rds:<prefix>-…`); automated backups by ID (`auto-backup:*`,
 *   RDS names them `ab-…` at random, so only the request's tag condition bounds them);
 * - the parameter, option and subnet groups the plans name, or RDS's defaults where they name none
 *   (a restore always starts on the engine version's default parameter group);
 * - the parameter groups the broker manages for preloaded extensions (`rdsbroker-<family>-…`), only
 *   for the families of plans that allow such an extension;
 * - read replicas (`<identifier>-r1`, …) as new instances of the same prefix, tagged like their primary;
 * - the plans' KMS keys (storage, Performance Insights), through RDS only, and the Enhanced
 *   Monitoring roles, passed to RDS's monitoring service only.
 *
 * The region is the configured one; the account is `*` (the configuration does not know it), so the
 * same document serves whichever account the broker runs in.
 */

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export type PolicyInput = {
  broker: Pick<ParsedConfig['broker'], 'name' | 'identifierPrefix'>;
  aws: Pick<ParsedConfig['aws'], 'region'>;
  catalog: { services: ReadonlyArray<{ plans: readonly PlanConfig[] }> };
};

/** The partition a region belongs to, as ARNs spell it. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/** RDS's default option group of a plan's engine version: `default:postgres-17`, `default:mysql-8-0`. */
export function defaultOptionGroup(plan: PlanConfig): string {
  const parts = plan.rds.engineVersion.split('.');
  const major = plan.rds.engine === 'postgres' ? parts[0] : parts.slice(0, 2).join('-');
  return `default:${plan.rds.engine}-${major}`;
}

/** Whether instances of the plan may need a managed parameter group (an extension whose library is preloaded). */
function mayPreload(plan: PlanConfig): boolean {
  return [...plan.extensions.allowed, ...plan.extensions.default].some((name) => PRELOAD_LIBRARIES[name] !== undefined);
}

/** A list without repeats, in first-seen order (the document reads in catalog order). */
function unique<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/** `alias/name` or an alias ARN: KMS authorises on the key, so an alias is matched through kms:ResourceAliases. */
function aliasOf(keyId: string): string | undefined {
  if (keyId.startsWith('alias/')) return keyId;
  const match = /^arn:[^:]+:kms:[^:]*:[^:]*:(alias\/.+)$/.exec(keyId);
  return match?.[1];
}

export function iamPolicy(config: PolicyInput): PolicyDocument {
  const region = config.aws.region;
  const partition = partitionOf(region);
  const rds = (type: string, name: string) => `arn:${partition}:rds:${region}:*:${type}:${name}`;
  const { name: brokerName, identifierPrefix: prefix } = config.broker;
  const plans = config.catalog.services.flatMap((service) => service.plans);

  const instances = rds('db', `${prefix}-*`);
  // Final snapshots are named after the instance (naming/derive.ts); RDS names automated ones rds:<instance>-<time>.
  const restorableSnapshots = [rds('snapshot', `${prefix}-*`), rds('snapshot', `rds:${prefix}-*`)];
  const managedGroups = unique(plans.filter(mayPreload).map((plan) => rds('pg', `${managedParameterGroupPrefix(engineFamily(plan))}*`)));
  const planGroups = unique(plans.flatMap((plan) => (plan.rds.dbParameterGroupName ? [rds('pg', plan.rds.dbParameterGroupName)] : [])));
  const defaultGroups = unique(plans.map((plan) => rds('pg', `default.${engineFamily(plan)}`)));
  const subnetGroups = unique(plans.map((plan) => rds('subgrp', plan.rds.dbSubnetGroupName ?? 'default')));
  const optionGroups = unique(plans.map((plan) => rds('og', defaultOptionGroup(plan))));

  const requestTagged = { StringEquals: { [`aws:RequestTag/${Tag.brokerName}`]: brokerName } };
  const resourceTagged = { StringEquals: { [`aws:ResourceTag/${Tag.brokerName}`]: brokerName } };

  const statements: PolicyStatement[] = [
    {
      Sid: 'ReadRds',
      Effect: 'Allow',
      // Reads: several cannot be limited by resource, and housekeeping lists every instance and snapshot.
      Action: [
        'rds:DescribeDBInstances',
        'rds:DescribeDBSnapshots',
        'rds:DescribeDBInstanceAutomatedBackups',
        'rds:DescribeDBEngineVersions',
        'rds:DescribeDBParameterGroups',
        'rds:DescribeDBSubnetGroups',
        'rds:DescribeEvents',
        'rds:DescribeOrderableDBInstanceOptions',
        'rds:DescribeCertificates',
      ],
      Resource: '*',
    },
    {
      Sid: 'CreateInstancesTaggedForThisBroker',
      Effect: 'Allow',
      Action: [
        'rds:CreateDBInstance',
        // Read replicas: the replica and its source are both the broker's instances.
        'rds:CreateDBInstanceReadReplica',
        'rds:RestoreDBInstanceFromDBSnapshot',
        'rds:RestoreDBInstanceToPointInTime',
        'rds:AddTagsToResource',
      ],
      Resource: [
        instances,
        ...restorableSnapshots,
        rds('auto-backup', '*'),
        ...subnetGroups,
        ...unique([...planGroups, ...defaultGroups, ...managedGroups]),
        ...optionGroups,
      ],
      Condition: requestTagged,
    },
    {
      Sid: 'ChangeOnlyThisBrokersInstances',
      Effect: 'Allow',
      Action: [
        'rds:ModifyDBInstance',
        'rds:RebootDBInstance',
        'rds:DeleteDBInstance',
        'rds:CreateDBSnapshot',
        'rds:AddTagsToResource',
        'rds:RemoveTagsFromResource',
      ],
      Resource: instances,
      Condition: resourceTagged,
    },
    {
      Sid: 'ResourcesNamedInChanges',
      Effect: 'Allow',
      // A plan's settings step moves an instance to its plan's group or a managed one; a delete
      // names its final snapshot. The instance part of each request is still checked above.
      Action: [...(planGroups.length + managedGroups.length > 0 ? ['rds:ModifyDBInstance'] : []), 'rds:CreateDBSnapshot'],
      Resource: one([rds('snapshot', `${prefix}-*`), ...unique([...planGroups, ...managedGroups])]),
    },
    {
      Sid: 'CleanUpOnlyThisBrokersBackups',
      Effect: 'Allow',
      // Any name: a snapshot taken by hand copies the instance's tags, and housekeeping retires it too.
      Action: ['rds:DeleteDBSnapshot'],
      Resource: rds('snapshot', '*'),
      Condition: resourceTagged,
    },
  ];

  if (managedGroups.length > 0) {
    statements.push(
      {
        Sid: 'CreateParameterGroupsTaggedForThisBroker',
        Effect: 'Allow',
        Action: ['rds:CreateDBParameterGroup', 'rds:AddTagsToResource'],
        Resource: one(managedGroups),
        Condition: requestTagged,
      },
      {
        Sid: 'ChangeOnlyThisBrokersParameterGroups',
        Effect: 'Allow',
        Action: ['rds:ModifyDBParameterGroup'],
        Resource: one(managedGroups),
        Condition: resourceTagged,
      },
    );
  }
  statements.push(...kmsStatements(plans, partition, region), ...monitoringStatements(plans));
  return { Version: '2012-10-17', Statement: statements };
}

/** One resource as a string (as a person writes it), several as a list. */
function one(resources: string[]): string | string[] {
  return resources.length === 1 ? resources[0]! : resources;
}

/** RDS uses a plan's customer managed keys with the caller's permissions: a grant and a description, through RDS only. */
function kmsStatements(plans: readonly PlanConfig[], partition: string, region: string): PolicyStatement[] {
  const keyIds = unique(plans.flatMap((plan) => [plan.rds.kmsKeyId, plan.rds.performanceInsightsKmsKeyId]).filter((k): k is string => !!k));
  const viaRds = { 'kms:ViaService': `rds.${region}.amazonaws.com` };
  const keyArn = (id: string) => (id.startsWith('arn:') ? id : `arn:${partition}:kms:${region}:*:key/${id}`);
  const keys = keyIds.filter((id) => !aliasOf(id)).map(keyArn);
  const aliases = unique(keyIds.map(aliasOf).filter((a): a is string => a !== undefined));
  const out: PolicyStatement[] = [];
  if (keys.length > 0)
    out.push({
      Sid: 'UseThePlansKmsKeysThroughRds',
      Effect: 'Allow',
      Action: ['kms:CreateGrant', 'kms:DescribeKey'],
      Resource: one(keys),
      Condition: { StringEquals: viaRds },
    });
  if (aliases.length > 0)
    out.push({
      Sid: 'UseThePlansKmsKeyAliasesThroughRds',
      Effect: 'Allow',
      Action: ['kms:CreateGrant', 'kms:DescribeKey'],
      Resource: `arn:${partition}:kms:${region}:*:key/*`,
      Condition: { StringEquals: viaRds, 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': aliases } },
    });
  return out;
}

/** RDS refuses a MonitoringRoleArn unless the caller may pass that role, to RDS's monitoring service. */
function monitoringStatements(plans: readonly PlanConfig[]): PolicyStatement[] {
  const roles = unique(
    plans.flatMap((plan) => ((plan.rds.monitoringInterval ?? 0) > 0 && plan.rds.monitoringRoleArn ? [plan.rds.monitoringRoleArn] : [])),
  );
  if (roles.length === 0) return [];
  return [
    {
      Sid: 'PassTheEnhancedMonitoringRole',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: one(roles),
      Condition: { StringEquals: { 'iam:PassedToService': 'monitoring.rds.amazonaws.com' } },
    },
  ];
}

/** The document as the CLI prints it and deploy/iam-policy.json holds it. */
export function renderIamPolicy(policy: PolicyDocument): string {
  return `${JSON.stringify(policy, null, 2)}\n`;
}
