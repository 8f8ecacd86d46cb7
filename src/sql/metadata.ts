import type { BindingUserSpec } from './types.js';

/**
 * What the broker records on each role it creates (PostgreSQL: COMMENT ON ROLE; MySQL: the user's
 * ATTRIBUTE; MariaDB: a row in the broker's table). A role counts as the broker's only when its
 * name has the prefix AND this marker parses: a name alone could be anybody's.
 */
export const BROKER_MARKER = 'rds-broker';

export interface BindingMetadata {
  bindingId: string;
  secretId: string;
  readOnly: boolean;
}

export type GroupKind = 'owner' | 'readonly';

export function encodeBindingMetadata(spec: Pick<BindingUserSpec, 'bindingId' | 'secretId' | 'readOnly'>): string {
  return JSON.stringify({
    managedBy: BROKER_MARKER,
    kind: 'binding',
    bindingId: spec.bindingId,
    secretId: spec.secretId,
    readOnly: spec.readOnly,
  });
}

export function encodeGroupMetadata(kind: GroupKind): string {
  return JSON.stringify({ managedBy: BROKER_MARKER, kind });
}

/** The binding metadata in `text`, or undefined when it is not the broker's binding marker. */
export function parseBindingMetadata(text: string | null | undefined): BindingMetadata | undefined {
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.managedBy !== BROKER_MARKER || v.kind !== 'binding') return undefined;
  if (typeof v.bindingId !== 'string' || typeof v.secretId !== 'string' || typeof v.readOnly !== 'boolean') return undefined;
  return { bindingId: v.bindingId, secretId: v.secretId, readOnly: v.readOnly };
}

export function sameMetadata(a: BindingMetadata | undefined, b: BindingMetadata): boolean {
  return a !== undefined && a.bindingId === b.bindingId && a.secretId === b.secretId && a.readOnly === b.readOnly;
}
