#!/usr/bin/env node
// Runs the CLI from the compiled build when one exists next to the sources that made it
// (production images), otherwise straight from TypeScript through tsx (a fresh clone after `npm ci`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

// The AWS SDK warns on every start that its releases after January 2027 need Node 22; the broker
// pins an SDK that supports Node 20 (README, requirements), so the warning is noise for operators.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'main.js');
if (process.env.RDS_BROKER_USE_BUILD === '1' && existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
}
