import { invalidValue, missingParameter } from './errors.js';

/**
 * The parameters of one Query-protocol request, flattened as the SDKs send them:
 * `Tags.Tag.1.Key`, `Filters.Filter.2.Values.Value.1`, `TagKeys.member.3`. An empty list is sent
 * as the bare name with an empty value (`Tags=`).
 */
export interface Tag {
  Key: string;
  Value: string;
}

export interface Filter {
  Name: string;
  Values: string[];
}

/** A list longer than this is a hostile request, not a real one. */
const MAX_LIST_LENGTH = 1000;

export class QueryParams {
  constructor(private readonly values: Map<string, string>) {}

  static fromSearchParams(search: URLSearchParams): QueryParams {
    const values = new Map<string, string>();
    for (const [key, value] of search) if (!values.has(key)) values.set(key, value);
    return new QueryParams(values);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  string(name: string): string | undefined {
    return this.values.get(name);
  }

  /** Present and non-empty, or MissingParameter. */
  required(name: string): string {
    const value = this.values.get(name);
    if (value === undefined || value === '') throw missingParameter(name);
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.values.get(name);
    if (value === undefined) return undefined;
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw invalidValue(`Invalid value '${value}' for parameter ${name}: expected true or false.`);
  }

  integer(name: string): number | undefined {
    const value = this.values.get(name);
    if (value === undefined) return undefined;
    if (!/^-?\d{1,10}$/.test(value)) throw invalidValue(`Invalid value '${value}' for parameter ${name}: expected an integer.`);
    return Number(value);
  }

  timestamp(name: string): number | undefined {
    const value = this.values.get(name);
    if (value === undefined) return undefined;
    // ISO 8601 as the SDKs send it; epoch seconds are accepted too, as botocore may send them.
    const epoch = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
    if (!Number.isFinite(epoch)) throw invalidValue(`Invalid value '${value}' for parameter ${name}: expected a timestamp.`);
    return epoch;
  }

  /** `name.member.N` strings; undefined when absent, [] when sent empty. */
  list(name: string, member = 'member'): string[] | undefined {
    const items: string[] = [];
    for (let i = 1; i <= MAX_LIST_LENGTH; i++) {
      const value = this.values.get(`${name}.${member}.${i}`);
      if (value === undefined) break;
      items.push(value);
    }
    if (items.length === 0 && !this.values.has(name)) return undefined;
    return items;
  }

  /** Lists of structures: `name.member.N.field`, each entry keeping the fields listed. */
  structures(name: string, member: string, fields: readonly string[]): Record<string, string>[] | undefined {
    const items: Record<string, string>[] = [];
    for (let i = 1; i <= MAX_LIST_LENGTH; i++) {
      const prefix = `${name}.${member}.${i}.`;
      const entry: Record<string, string> = {};
      let found = false;
      for (const field of fields) {
        const value = this.values.get(prefix + field);
        if (value !== undefined) {
          entry[field] = value;
          found = true;
        }
      }
      if (!found) break;
      items.push(entry);
    }
    if (items.length === 0 && !this.values.has(name)) return undefined;
    return items;
  }

  tags(name = 'Tags'): Tag[] | undefined {
    const raw = this.structures(name, 'Tag', ['Key', 'Value']);
    if (raw === undefined) return undefined;
    return raw.map((entry) => {
      if (entry.Key === undefined) throw invalidValue('Every tag must have a Key.');
      return { Key: entry.Key, Value: entry.Value ?? '' };
    });
  }

  filters(name = 'Filters'): Filter[] {
    const filters: Filter[] = [];
    for (let i = 1; i <= MAX_LIST_LENGTH; i++) {
      const prefix = `${name}.Filter.${i}`;
      const filterName = this.values.get(`${prefix}.Name`);
      if (filterName === undefined) break;
      const values = this.list(`${prefix}.Values`, 'Value') ?? [];
      filters.push({ Name: filterName, Values: values });
    }
    return filters;
  }
}
