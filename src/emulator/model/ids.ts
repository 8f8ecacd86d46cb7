/** Identifiers and ARNs shaped as RDS shapes them. */
import { randomBytes } from 'node:crypto';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomString(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}

/** `db-` and 26 upper-case letters and digits, like RDS's DbiResourceId. */
export function newDbiResourceId(): string {
  return `db-${randomString(UPPER, 26)}`;
}

/** `ab-` and 26 lower-case letters and digits (the last part of an automated backup ARN). */
export function newAutomatedBackupId(): string {
  return `ab-${randomString(UPPER.toLowerCase(), 26)}`;
}

export function newVpcId(): string {
  return `vpc-${randomString('0123456789abcdef', 17)}`;
}

export function newSecurityGroupId(): string {
  return `sg-${randomString('0123456789abcdef', 17)}`;
}

export function newSubnetId(): string {
  return `subnet-${randomString('0123456789abcdef', 17)}`;
}

/** `cert` names a certificate authority (DescribeCertificates); it carries no tags, so parse() leaves it out. */
export type ArnKind = 'db' | 'snapshot' | 'pg' | 'subgrp' | 'auto-backup' | 'cert' | 'cluster' | 'cluster-snapshot' | 'cluster-pg';

const ARN_KINDS: readonly string[] = ['db', 'snapshot', 'pg', 'subgrp', 'auto-backup', 'cluster', 'cluster-snapshot', 'cluster-pg'];

/** `cluster-` and 26 upper-case letters and digits, like RDS's DbClusterResourceId. */
export function newClusterResourceId(): string {
  return `cluster-${randomString(UPPER, 26)}`;
}

export class Arns {
  constructor(
    readonly region: string,
    readonly accountId: string,
  ) {}

  of(kind: ArnKind, name: string): string {
    return `arn:aws:rds:${this.region}:${this.accountId}:${kind}:${name}`;
  }

  /** The kind and name of one of this emulator's ARNs, or undefined for anything else. */
  parse(arn: string): { kind: ArnKind; name: string } | undefined {
    const prefix = `arn:aws:rds:${this.region}:${this.accountId}:`;
    if (!arn.startsWith(prefix)) return undefined;
    const rest = arn.slice(prefix.length);
    const colon = rest.indexOf(':');
    if (colon <= 0) return undefined;
    const kind = rest.slice(0, colon);
    const name = rest.slice(colon + 1);
    if (!name || !ARN_KINDS.includes(kind)) return undefined;
    return { kind: kind as ArnKind, name };
  }
}

/** Automated snapshots are named `rds:<instance>-YYYY-MM-DD-HH-MM`, as on RDS. */
export function automatedSnapshotId(instanceIdentifier: string, at: number): string {
  const iso = new Date(at).toISOString();
  return `rds:${instanceIdentifier}-${iso.slice(0, 10)}-${iso.slice(11, 13)}-${iso.slice(14, 16)}`;
}
