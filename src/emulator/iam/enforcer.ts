/**
 * IAM enforcement at the Query API's dispatch point: the caller (from the SigV4 credential), the
 * permissions the call needs (rds-actions.ts), each resource's tags and attributes from the store
 * as condition keys, and the policies' decision. A refusal is RDS's AccessDenied (HTTP 403) and is
 * remembered, so a test can list every call a policy refused.
 */
import { defaultClusterVersion, findClusterVersion, isClusterEngine } from '../model/cluster-catalog.js';
import { RdsError } from '../api/errors.js';
import type { QueryParams } from '../api/query.js';
import { findVersion, defaultVersion, isEngineName } from '../model/catalog.js';
import { defaultParameterGroupName } from '../model/defaults.js';
import type { Arns } from '../model/ids.js';
import type { Store } from '../model/store.js';
import type { Tag } from '../model/types.js';
import { type AuthorizationRequest, type ConditionContext, decideAll, denialMessage } from './evaluate.js';
import { type Policy, parsePolicy } from './policy.js';
import { type Need, type RecordView, needsOf } from './rds-actions.js';

export interface Denial {
  /** Emulator time (ms). */
  at: number;
  principal: string;
  /** The API action called, e.g. CreateDBInstance. */
  call: string;
  /** The permission refused, e.g. rds:AddTagsToResource. */
  action: string;
  resource: string;
  decision: 'explicit-deny' | 'implicit-deny';
  message: string;
}

const MAX_DENIALS = 1000;

/** Tag condition keys per resource type (the reference's Resource types table). */
const TAG_KEY_PREFIX: Readonly<Record<string, string>> = {
  db: 'rds:db-tag/',
  snapshot: 'rds:snapshot-tag/',
  pg: 'rds:pg-tag/',
  og: 'rds:og-tag/',
  subgrp: 'rds:subgrp-tag/',
  secgrp: 'rds:secgrp-tag/',
  es: 'rds:es-tag/',
  cluster: 'rds:cluster-tag/',
  'cluster-snapshot': 'rds:cluster-snapshot-tag/',
  'cluster-pg': 'rds:cluster-pg-tag/',
};

/** The caller of a signed request: the access key ID's user in the emulator's account. */
export function principalOf(authorization: string | undefined, accountId: string): string | undefined {
  const match = authorization ? /Credential=([^/,\s]+)\//.exec(authorization) : null;
  return match ? `arn:aws:iam::${accountId}:user/${match[1]}` : undefined;
}

function tagContext(tags: readonly Tag[], prefixes: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags) for (const prefix of prefixes) out[`${prefix}${tag.Key}`.toLowerCase()] = tag.Value;
  return out;
}

export class IamEnforcer {
  /** Undefined: IAM is not enforced, every call is allowed (the emulator's default). */
  private policies: Policy[] | undefined;
  private readonly denials: Denial[] = [];

  constructor(
    documents: readonly unknown[] | undefined,
    private readonly arns: Arns,
  ) {
    this.policies = documents?.map(parsePolicy);
  }

  /** Replace the policies, or stop enforcing (undefined); parsed first, so a bad document changes nothing. */
  setPolicies(documents: readonly unknown[] | undefined): void {
    this.policies = documents?.map(parsePolicy);
  }

  enforced(): boolean {
    return this.policies !== undefined;
  }

  policyCount(): number {
    return this.policies?.length ?? 0;
  }

  recentDenials(): Denial[] {
    return [...this.denials];
  }

  clearDenials(): void {
    this.denials.length = 0;
  }

  /** Throws AccessDenied (or MissingAuthenticationToken) unless the policies allow every permission the call needs. */
  authorize(call: string, params: QueryParams, authorization: string | undefined, store: Store, now: number): void {
    if (!this.policies) return;
    const principal = principalOf(authorization, this.arns.accountId);
    if (!principal) throw new RdsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
    const requestContext = this.requestContext(params, principal);
    const requests = needsOf(call, params, this.view(store)).map((n) => this.request(call, n, requestContext, store));
    const outcome = decideAll(this.policies, requests);
    if (outcome.decision === 'allow') return;
    const message = denialMessage(principal, outcome.request, outcome.decision);
    this.denials.push({
      at: now,
      principal,
      call,
      action: outcome.request.action,
      resource: outcome.request.resource,
      decision: outcome.decision,
      message,
    });
    if (this.denials.length > MAX_DENIALS) this.denials.shift();
    throw new RdsError('AccessDenied', message, 403);
  }

  /** Keys of the request as a whole: its tags, the caller, the region. */
  private requestContext(params: QueryParams, principal: string): Record<string, string | string[]> {
    const context: Record<string, string | string[]> = {
      'aws:principalarn': principal,
      'aws:principalaccount': this.arns.accountId,
      'aws:principaltype': 'User',
      'aws:username': principal.slice(principal.lastIndexOf('/') + 1),
      'aws:requestedregion': this.arns.region,
      'aws:securetransport': 'false',
      'rds:backuptarget': 'region',
    };
    let tags: Tag[] = [];
    try {
      tags = params.tags() ?? [];
    } catch {
      // A malformed tag list: the action itself will say so; authorise as if it carried none.
    }
    Object.assign(context, tagContext(tags, ['aws:RequestTag/', 'rds:req-tag/']));
    const keys = tags.length > 0 ? tags.map((t) => t.Key) : (params.list('TagKeys') ?? []);
    if (keys.length > 0) context['aws:tagkeys'] = keys;
    const publiclyAccessible = params.string('PubliclyAccessible');
    if (publiclyAccessible !== undefined) context['rds:publiclyaccessible'] = publiclyAccessible.toLowerCase();
    const managed = params.string('ManageMasterUserPassword');
    if (managed !== undefined) context['rds:managemasteruserpassword'] = managed.toLowerCase();
    return context;
  }

  private request(call: string, need: Need, requestContext: ConditionContext, store: Store): AuthorizationRequest {
    const action = need.action ?? `rds:${call}`;
    if (need.name === undefined) return { action, resource: '*', context: requestContext };
    const resource = need.name.startsWith('arn:')
      ? need.name
      : `arn:aws:rds:${this.arns.region}:${this.arns.accountId}:${need.type}:${need.name}`;
    return { action, resource, context: { ...requestContext, ...this.resourceContext(resource, store), ...need.context } };
  }

  /** Keys of one existing resource: its tags (aws:ResourceTag/…, rds:<type>-tag/…) and, for instances, attributes. */
  private resourceContext(arn: string, store: Store): Record<string, string> {
    const [, , , , , type = '', ...rest] = arn.split(':');
    const name = rest.join(':');
    const prefixes = ['aws:ResourceTag/', ...(TAG_KEY_PREFIX[type] ? [TAG_KEY_PREFIX[type]] : [])];
    switch (type) {
      case 'db': {
        const inst = store.instance(name);
        if (!inst) return {};
        return {
          ...tagContext(inst.tags, prefixes),
          'rds:databaseengine': inst.cluster?.engine ?? inst.engine,
          'rds:databaseclass': inst.instanceClass,
          ...(inst.dbName ? { 'rds:databasename': inst.dbName } : {}),
          'rds:multiaz': String(inst.multiAZ),
          'rds:storagesize': String(inst.allocatedStorage),
          'rds:piops': String(inst.iops ?? 0),
          'rds:storageencrypted': String(inst.storageEncrypted),
          'rds:vpc': 'true',
        };
      }
      case 'snapshot': {
        const snapshot = store.snapshots.get(name);
        return snapshot ? tagContext(snapshot.tags, prefixes) : {};
      }
      case 'pg': {
        const group = store.parameterGroups.get(name);
        return group ? tagContext(group.tags, prefixes) : {};
      }
      case 'subgrp': {
        const group = store.subnetGroups.get(name);
        return group ? tagContext(group.tags, prefixes) : {};
      }
      case 'auto-backup': {
        const backup = store.automatedBackupById(name);
        return backup ? tagContext(backup.tags, prefixes) : {};
      }
      case 'cluster': {
        const cluster = store.cluster(name);
        if (!cluster) return {};
        return {
          ...tagContext(cluster.tags, prefixes),
          'rds:databaseengine': cluster.engine,
          'rds:storageencrypted': String(cluster.storageEncrypted),
        };
      }
      case 'cluster-snapshot': {
        const snapshot = store.clusterSnapshots.get(name);
        return snapshot ? tagContext(snapshot.tags, prefixes) : {};
      }
      case 'cluster-pg': {
        const group = store.clusterParameterGroups.get(name);
        return group ? tagContext(group.tags, prefixes) : {};
      }
      default:
        return {};
    }
  }

  private view(store: Store): RecordView {
    const arns = this.arns;
    return {
      defaults(engine, version) {
        if (!isEngineName(engine)) return undefined;
        const info = version === undefined ? defaultVersion(engine) : findVersion(engine, version);
        if (!info) return undefined;
        return {
          parameterGroup: defaultParameterGroupName(info.family),
          optionGroup: `default:${engine}-${info.major.replace(/\./g, '-')}`,
        };
      },
      clusterDefaults(engine, version) {
        if (!isClusterEngine(engine)) return undefined;
        const info = version === undefined ? defaultClusterVersion(engine) : findClusterVersion(engine, version);
        return info ? `default.${info.family}` : undefined;
      },
      cluster(identifier) {
        const cluster = store.cluster(identifier.startsWith('arn:') ? (arns.parse(identifier)?.name ?? '') : identifier);
        return cluster ? { engine: cluster.engine } : undefined;
      },
      instance(identifier) {
        const inst = store.instance(identifier);
        if (!inst) return undefined;
        const backup = store.automatedBackup(inst.dbiResourceId);
        return {
          engine: inst.engine,
          engineVersion: inst.engineVersion,
          ...(backup ? { automatedBackupArn: arns.of('auto-backup', backup.backupId) } : {}),
        };
      },
      snapshot(identifier) {
        const snapshot = store.snapshots.get(identifier.startsWith('arn:') ? (arns.parse(identifier)?.name ?? '') : identifier);
        return snapshot ? { engine: snapshot.engine, engineVersion: snapshot.engineVersion } : undefined;
      },
      automatedBackup(reference) {
        const backup = reference.startsWith('arn:')
          ? store.automatedBackupById(arns.parse(reference)?.name ?? '')
          : store.automatedBackup(reference);
        return backup
          ? { arn: arns.of('auto-backup', backup.backupId), engine: backup.engine, engineVersion: backup.engineVersion }
          : undefined;
      },
    };
  }
}
