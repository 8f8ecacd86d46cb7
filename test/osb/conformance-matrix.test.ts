import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

/**
 * docs/osb-conformance.md maps each requirement of the OSB spec to a test. This keeps the page
 * true: every row names either tests that exist (file present, title found verbatim in it) or says
 * why the requirement does not apply. A renamed or removed test fails here, not silently there.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const page = readFileSync(join(repoRoot, 'docs', 'osb-conformance.md'), 'utf8');

interface Row {
  id: string;
  cell: string;
}

function rows(): Row[] {
  const out: Row[] = [];
  for (const line of page.split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    // | id | requirement | covered by |  →  ['', id, requirement, covered, '']
    if (cells.length !== 5 || !/^[A-Z]+\d+$/.test(cells[1]!)) continue;
    out.push({ id: cells[1]!, cell: cells[3]! });
  }
  return out;
}

/** `file` — "title" references in a cell; titles may contain \" for a quote. */
function references(cell: string): Array<{ file: string; title: string }> {
  const found: Array<{ file: string; title: string }> = [];
  for (const match of cell.matchAll(/`(test\/[^`]+\.test\.ts)` — "((?:[^"\\]|\\.)+)"/g)) {
    found.push({ file: match[1]!, title: match[2]!.replace(/\\"/g, '"') });
  }
  return found;
}

describe('docs/osb-conformance.md stays true', () => {
  const all = rows();

  it('has rows for every part of the spec, with unique IDs', () => {
    expect(all.length).to.be.at.least(80);
    const ids = all.map((r) => r.id);
    expect(new Set(ids).size, 'duplicate row IDs').to.equal(ids.length);
    for (const prefix of ['H', 'A', 'E', 'K', 'S', 'L', 'P', 'F', 'UP', 'B', 'FB', 'UB', 'D']) {
      expect(
        ids.some((id) => id.replace(/\d+$/, '') === prefix),
        `no row for ${prefix}`,
      ).to.equal(true);
    }
  });

  it('every row names a test or says why the requirement does not apply', () => {
    for (const row of all) {
      const refs = references(row.cell);
      const notApplicable = /^n\/a: \S/.test(row.cell);
      expect(refs.length > 0 || notApplicable, `row ${row.id}: ${row.cell}`).to.equal(true);
    }
  });

  it('every named test exists: the file is there and holds the title', () => {
    const missing: string[] = [];
    for (const row of all) {
      for (const { file, title } of references(row.cell)) {
        const path = join(repoRoot, file);
        if (!existsSync(path)) missing.push(`${row.id}: ${file} does not exist`);
        else if (!readFileSync(path, 'utf8').includes(title)) missing.push(`${row.id}: "${title}" is not in ${file}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });
});
