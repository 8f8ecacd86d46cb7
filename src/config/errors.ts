import type { z } from 'zod';

/**
 * Turns zod's issues and parsers' errors into sentences a person can act on: the field's path,
 * what was expected and what was found, and for a misspelt key the nearest key that exists there.
 * Received values are described by type only, never echoed: a secret may sit in a wrong field.
 */

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return (
    path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '') ||
    '(root)'
  );
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps): how far a typo is from a key. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate closest to `word` (case-insensitively), if it is close enough to be a likely typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(word.length, best.candidate.length) / 3));
  return best.distance <= allowed ? best.candidate : undefined;
}

interface SchemaDef {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  element?: unknown;
  in?: unknown;
  options?: unknown[];
  valueType?: unknown;
  getter?: () => unknown;
}

function defOf(schema: unknown): SchemaDef | undefined {
  return (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

/** The object schemas a value at `path` may be validated by (several under a union). */
function objectsAt(schema: unknown, path: ReadonlyArray<PropertyKey>): SchemaDef[] {
  const def = defOf(schema);
  if (!def) return [];
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
    case 'readonly':
    case 'catch':
      return objectsAt(def.innerType, path);
    case 'pipe':
      return objectsAt(def.in, path);
    case 'lazy':
      return def.getter ? objectsAt(def.getter(), path) : [];
    case 'union':
      return (def.options ?? []).flatMap((option) => objectsAt(option, path));
    case 'array':
      return typeof path[0] === 'number' ? objectsAt(def.element, path.slice(1)) : [];
    case 'record':
      return path.length > 0 ? objectsAt(def.valueType, path.slice(1)) : [];
    case 'object':
      if (path.length === 0) return [def];
      return objectsAt(def.shape?.[String(path[0])], path.slice(1));
    default:
      return [];
  }
}

/** The keys the schema knows for the object at `path`. */
export function knownKeysAt(schema: unknown, path: ReadonlyArray<PropertyKey>): string[] {
  return [...new Set(objectsAt(schema, path).flatMap((def) => Object.keys(def.shape ?? {})))];
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'string' ? 'a string' : typeof value;
}

function valueAt(document: unknown, path: ReadonlyArray<PropertyKey>): { found: boolean; value: unknown } {
  let current: unknown = document;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key as string))
      return { found: false, value: undefined };
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value: current };
}

/** One sentence per issue, naming the field, what it expected and what it found. */
export function describeIssue(issue: z.core.$ZodIssue, schema: unknown, document: unknown): string {
  const where = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, issue.path);
      return issue.keys
        .map((key) => {
          const guess = nearest(key, known);
          const hint = guess
            ? ` (did you mean ${JSON.stringify(guess)}?)`
            : known.length > 0
              ? ` (known keys here: ${known.join(', ')})`
              : '';
          return `${formatPath([...issue.path, key])}: unknown key${hint}`;
        })
        .join('\n  - ');
    }
    case 'invalid_type': {
      const { found, value } = valueAt(document, issue.path);
      if (!found || value === undefined) return `${where}: required (expected ${issue.expected}), but it is missing`;
      return `${where}: expected ${issue.expected}, received ${typeName(value)}`;
    }
    case 'invalid_value': {
      const { found, value } = valueAt(document, issue.path);
      const options = issue.values.map((v) => String(v));
      const guess = found && typeof value === 'string' ? nearest(value, options) : undefined;
      const received = found ? (typeof value === 'string' ? `, received ${JSON.stringify(value)}` : `, received ${typeName(value)}`) : '';
      return `${where}: expected one of ${options.map((o) => JSON.stringify(o)).join(', ')}${received}${guess ? ` (did you mean ${JSON.stringify(guess)}?)` : ''}`;
    }
    default:
      return `${where}: ${issue.message}`;
  }
}

/** Line and column (1-based) of a character offset in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

/** A JSON.parse error as "line L, column C: message", whatever the Node version's wording. */
export function describeJsonError(text: string, error: Error): string {
  const message = error.message.replace(/\s*\(line \d+ column \d+\)\s*$/, '');
  const position = /at position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : /end of JSON input/.test(message) ? text.length : undefined;
  if (offset === undefined) return message;
  const { line, column } = lineAndColumn(text, offset);
  return `line ${line}, column ${column}: ${message.replace(/\s*in JSON at position \d+/, '').replace(/^Unexpected end of JSON input$/, 'unexpected end of input')}`;
}

/** A YAML parser error with its line, column, message and the lines it points at. */
export function describeYamlError(error: Error & { linePos?: Array<{ line: number; col: number }> }): string {
  const [headline = '', ...context] = error.message.split('\n');
  const message = headline.replace(/ at line \d+, column \d+:?$/, '');
  const position = error.linePos?.[0];
  const at = position ? `line ${position.line}, column ${position.col}: ` : '';
  const excerpt = context.filter((line) => line.trim() !== '');
  return `${at}${message}${excerpt.length > 0 ? `\n${excerpt.map((line) => `      ${line}`).join('\n')}` : ''}`;
}
