import { readFileSync } from 'node:fs';

/**
 * The node flags production starts the broker with: those before `/app/bin/rds-broker.js` in the
 * image's ENTRYPOINT (the Dockerfile is the one place they are written down; the Cloud Foundry
 * manifest repeats them). The benchmark starts its brokers with them, so that what it measures is
 * what runs in production. Pure apart from reading the file.
 */
export function entrypointNodeFlags(dockerfile: string): string[] {
  const line = dockerfile.split('\n').find((l) => /^ENTRYPOINT\s/.test(l));
  if (!line) throw new Error('the Dockerfile has no ENTRYPOINT');
  let words: unknown;
  try {
    words = JSON.parse(line.replace(/^ENTRYPOINT\s+/, ''));
  } catch {
    words = undefined;
  }
  if (!Array.isArray(words) || !words.every((w) => typeof w === 'string'))
    throw new Error('the ENTRYPOINT is not in exec form (a JSON array of strings)');
  const script = words.findIndex((w) => w.endsWith('/bin/rds-broker.js'));
  if (script < 1) throw new Error('the ENTRYPOINT does not run node on bin/rds-broker.js');
  return words.slice(1, script);
}

export function productionNodeFlags(dockerfilePath: string): string[] {
  return entrypointNodeFlags(readFileSync(dockerfilePath, 'utf8'));
}
