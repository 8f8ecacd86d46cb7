import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commands } from '../../src/cli/commands/index.js';

/**
 * Every command the documentation tells a reader to type must run from a fresh clone: a bare
 * `rds-broker …` is not on a clone's PATH (only `npx rds-broker …`, `npm …` or `node bin/rds-broker.js …`
 * are), and the subcommand named must exist. Checked in shell blocks and in the first cell of
 * tables, where the docs list commands to copy.
 */

const root = join(import.meta.dirname, '..', '..');
const markdownIn = (dir: string) =>
  readdirSync(join(root, dir))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(dir, name));
const documents = ['README.md', 'CONFIGURATION.md', 'bench/README.md', ...markdownIn('docs')];
const known = new Set(commands.map((command) => command.name));

/** The lines a reader copies: inside fenced shell blocks, and the code span opening a table row. */
function copiedLines(text: string): string[] {
  const lines: string[] = [];
  let fenced = false;
  let inShell = false;
  for (const line of text.split('\n')) {
    const fence = /^\s*```(\w*)/.exec(line);
    if (fence) {
      // A closing fence ends any block; an opening one starts a shell block unless it names another language (text: output).
      inShell = !fenced && ['sh', 'bash', 'shell', 'console', ''].includes(fence[1]!);
      fenced = !fenced;
      continue;
    }
    if (inShell) lines.push(line.trim().replace(/^\$\s+/, ''));
    const cell = /^\|\s*`([^`]+)`/.exec(line);
    if (cell) lines.push(cell[1]!);
  }
  return lines;
}

describe('commands in the documentation run from a fresh clone', () => {
  for (const document of documents) {
    it(`${document}: no bare rds-broker command, and every npx rds-broker subcommand exists`, () => {
      const lines = copiedLines(readFileSync(join(root, document), 'utf8'));
      const bare = lines.filter((line) => /^rds-broker\s+[a-z]/.test(line));
      expect(bare, 'write `npx rds-broker …`: a clone has no rds-broker on its PATH').to.deep.equal([]);
      const unknown = lines
        .flatMap((line) => [...line.matchAll(/npx rds-broker\s+([a-z][a-z-]*)/g)].map((match) => match[1]!))
        .filter((name) => !known.has(name));
      expect(unknown, 'subcommands the CLI does not have').to.deep.equal([]);
    });
  }
});
