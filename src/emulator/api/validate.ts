/** Input rules as RDS states them in its API reference, with its error codes and wording. */
import { invalidCombination, invalidValue } from './errors.js';
import { isEngineName, LICENSE_MODEL } from '../model/catalog.js';
import { isOrderableClass, unsupportedCombinationMessage } from '../model/instance-classes.js';
import type { EngineName, Tag } from '../model/types.js';

const IDENTIFIER = /^[A-Za-z](?:[A-Za-z0-9]|-(?!-))*$/;

function checkIdentifier(value: string, param: string, max: number): string {
  if (value.length < 1 || value.length > max || !IDENTIFIER.test(value) || value.endsWith('-')) {
    throw invalidValue(
      `The parameter ${param} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`,
    );
  }
  // RDS stores identifiers in lower case and matches them case-insensitively.
  return value.toLowerCase();
}

export const instanceIdentifier = (value: string, param = 'DBInstanceIdentifier') => checkIdentifier(value, param, 63);

export const snapshotIdentifier = (value: string, param = 'DBSnapshotIdentifier') => checkIdentifier(value, param, 255);

export const parameterGroupName = (value: string, param = 'DBParameterGroupName') => checkIdentifier(value, param, 255);

export function subnetGroupName(value: string): string {
  if (!/^[A-Za-z0-9 ._-]{1,255}$/.test(value)) {
    throw invalidValue(
      'The parameter DBSubnetGroupName must contain no more than 255 letters, numbers, periods, underscores, spaces, or hyphens.',
    );
  }
  return value.toLowerCase();
}

export function engineName(value: string): EngineName {
  const lower = value.toLowerCase();
  if (!isEngineName(lower)) throw invalidValue(`Invalid DB engine: ${value}`);
  return lower;
}

export function instanceClass(value: string): string {
  if (!/^db\.[a-z0-9]+(\.[a-z0-9]+)+$/.test(value)) throw invalidValue(`Invalid DB Instance class: ${value}`);
  return value;
}

/** A well-formed class that RDS offers for this engine version, or InvalidParameterCombination as RDS answers. */
export function orderableClass(value: string, engine: EngineName, engineVersion: string): string {
  instanceClass(value);
  if (!isOrderableClass(engine, value)) {
    throw invalidCombination(unsupportedCombinationMessage(value, engine, engineVersion, LICENSE_MODEL[engine]));
  }
  return value;
}

const RESERVED_USERNAMES: Record<EngineName, string[]> = {
  postgres: ['rdsadmin', 'rdsrepladmin', 'rds_superuser', 'public', 'all', 'user', 'select', 'table'],
  mysql: ['rdsadmin', 'root', 'mysql.sys', 'mysql.session', 'mysql.infoschema'],
  mariadb: ['rdsadmin', 'root', 'mariadb.sys'],
};

export function masterUsername(engine: EngineName, value: string | undefined): string {
  if (value === undefined || value === '') throw invalidValue('The parameter MasterUsername must be provided and must not be blank.');
  const max = engine === 'postgres' ? 63 : engine === 'mysql' ? 32 : 16;
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(value) || value.length > max) {
    throw invalidValue(
      `The parameter MasterUsername is not a valid identifier: it must be 1 to ${max} letters, digits or underscores, beginning with a letter.`,
    );
  }
  if (RESERVED_USERNAMES[engine].includes(value.toLowerCase())) {
    throw invalidValue(`MasterUsername ${value} cannot be used as it is a reserved word used by the engine`);
  }
  return value;
}

export function masterPassword(engine: EngineName, value: string | undefined): string {
  if (value === undefined || value === '') throw invalidValue('The parameter MasterUserPassword must be provided and must not be blank.');
  if (value.length < 8)
    throw invalidValue('The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters.');
  const max = engine === 'postgres' ? 128 : 41;
  if (value.length > max)
    throw invalidValue(`The parameter MasterUserPassword is not a valid password because it is longer than ${max} characters.`);
  if (!/^[\x21-\x7e]+$/.test(value) || /[/@"]/.test(value)) {
    throw invalidValue(
      "The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '\"', ' ' may be used.",
    );
  }
  return value;
}

export function dbName(engine: EngineName, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const max = engine === 'postgres' ? 63 : 64;
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(value) || value.length > max) {
    throw invalidValue(
      `The parameter DBName is not a valid identifier: it must begin with a letter and contain only letters, digits or underscores (at most ${max}).`,
    );
  }
  if (engine === 'postgres' && ['template0', 'template1', 'rdsadmin'].includes(value.toLowerCase())) {
    throw invalidValue(`DBName ${value} cannot be used as it is a reserved word used by the engine`);
  }
  return value;
}

export function backupRetention(value: number): number {
  if (value < 0 || value > 35) throw invalidValue('The backup retention period must be between 0 and 35 days.');
  return value;
}

export function securityGroupIds(ids: string[]): string[] {
  for (const id of ids) {
    if (!/^sg-[0-9a-f]{8,17}$/.test(id)) throw invalidValue(`Invalid security group: ${id}`);
  }
  return [...new Set(ids)];
}

const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export function tags(list: Tag[]): Tag[] {
  if (list.length > 50) throw invalidValue('A resource can have at most 50 tags.');
  for (const tag of list) {
    if (tag.Key.length < 1 || tag.Key.length > 128 || !TAG_TEXT.test(tag.Key)) {
      throw invalidValue(`Invalid tag key: a key must be 1 to 128 Unicode letters, digits, white space, or _ . : / = + - @.`);
    }
    if (tag.Key.toLowerCase().startsWith('aws:') || tag.Key.toLowerCase().startsWith('rds:')) {
      throw invalidValue('Tag keys may not begin with aws: or rds:.');
    }
    if (tag.Value.length > 256 || !TAG_TEXT.test(tag.Value)) {
      throw invalidValue(
        `Invalid tag value for key ${tag.Key}: a value must be at most 256 Unicode letters, digits, white space, or _ . : / = + - @.`,
      );
    }
  }
  return list;
}

/** Tags merged as AddTagsToResource merges them: a key given again takes the new value. */
export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const byKey = new Map(existing.map((t) => [t.Key, t.Value]));
  for (const t of added) byKey.set(t.Key, t.Value);
  if (byKey.size > 50) throw invalidValue('A resource can have at most 50 tags.');
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}

export function maxRecords(value: number | undefined): number {
  if (value === undefined) return 100;
  if (value < 20 || value > 100) throw invalidValue(`Invalid value ${value} for MaxRecords. Must be between 20 and 100.`);
  return value;
}
