/**
 * The state file: one JSON document, written atomically (temporary file, then rename) shortly
 * after changes, so a crash leaves either the old state or the new one. It holds master
 * passwords (the databases need them), so only its owner may read it.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { StateDocument, Store } from './store.js';

export async function readState(file: string): Promise<StateDocument | undefined> {
  if (!existsSync(file)) return undefined;
  const text = await readFile(file, 'utf8');
  let doc: StateDocument;
  try {
    doc = JSON.parse(text) as StateDocument;
  } catch (err) {
    throw new Error(`The emulator state file ${file} is not valid JSON (${(err as Error).message}); move it away to start afresh.`);
  }
  if (doc.version !== 1 || !Array.isArray(doc.instances)) {
    throw new Error(`The emulator state file ${file} has an unknown format; move it away to start afresh.`);
  }
  return doc;
}

export class Persister {
  private written = -1;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly file: string,
    private readonly delayMs = 100,
  ) {}

  /** Schedule a write if anything changed since the last one. */
  touch(): void {
    if (this.timer || this.store.revision === this.written) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.delayMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.writing = this.writing.then(async () => {
      const revision = this.store.revision;
      if (revision === this.written) return;
      const tmp = `${this.file}.tmp`;
      await writeFile(tmp, JSON.stringify(this.store.toDocument()), { mode: 0o600 });
      await rename(tmp, this.file);
      this.written = revision;
    });
    return this.writing;
  }
}
