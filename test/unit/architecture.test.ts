import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The rules of docs/architecture.md, held by the code itself: who may import whom, where the AWS SDK
 * is used, and that one module performs the RDS changes reconcile decides.
 */

const root = join(import.meta.dirname, '..', '..');
const src = join(root, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const files = sources(src).map((path) => ({ path: relative(src, path), text: readFileSync(path, 'utf8') }));
const moduleOf = (path: string) => path.split('/')[0]!;

/** The top-level modules a file imports (relative imports only). */
function importedModules(file: { path: string; text: string }): string[] {
  const out = new Set<string>();
  for (const match of file.text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
    const target = join(file.path, '..', match[1]!);
    if (!target.startsWith('..')) out.add(moduleOf(target));
  }
  return [...out];
}

describe('architecture rules (docs/architecture.md)', () => {
  it('outside aws/ and emulator/, exactly one file calls modifyInstance, rebootInstance and deleteInstance: the performer', () => {
    const callers = files
      .filter((f) => !['aws', 'emulator'].includes(moduleOf(f.path)))
      .filter((f) => /\.(modifyInstance|rebootInstance|deleteInstance)\(/.test(f.text))
      .map((f) => f.path);
    expect(callers).to.deep.equal(['broker/perform.ts']);
  });

  it('the AWS SDK is used for values only in aws/ and emulator/; elsewhere only its types', () => {
    const offenders = files
      .filter((f) => !['aws', 'emulator'].includes(moduleOf(f.path)))
      .filter((f) => /^import (?!type )[^;]*from '@aws-sdk\//m.test(f.text))
      .map((f) => f.path);
    expect(offenders).to.deep.equal([]);
  });

  const allowed: Record<string, readonly string[]> = {
    reconcile: ['reconcile'],
    sql: ['sql'],
    aws: ['aws', 'reconcile'],
    emulator: ['emulator'],
    broker: ['broker', 'reconcile', 'aws', 'sql', 'catalog', 'config', 'naming', 'metrics', 'log'],
    osb: ['osb', 'broker', 'catalog', 'config', 'log', 'metrics'],
  };
  /** Known exceptions, each to be removed (none today). */
  const known = new Set<string>();
  for (const [module, mayImport] of Object.entries(allowed)) {
    it(`${module}/ imports only ${mayImport.join(', ')}`, () => {
      const offenders = files
        .filter((f) => moduleOf(f.path) === module)
        .flatMap((f) =>
          importedModules(f)
            .filter((m) => !mayImport.includes(m))
            .map((m) => `${f.path} → ${m}/`),
        )
        .filter((edge) => !known.has(edge));
      expect(offenders).to.deep.equal([]);
    });
  }

  it('no error is matched by its name: by class or kind', () => {
    const offenders = files
      .filter((f) => moduleOf(f.path) !== 'emulator')
      .filter((f) => /(error|err|e)\.name\s*[!=]==\s*'(Database|InvalidSql|Rds|DB)/.test(f.text))
      .map((f) => f.path);
    expect(offenders).to.deep.equal([]);
  });
});
