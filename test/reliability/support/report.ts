import { appendFileSync } from 'node:fs';

/**
 * Seeds and figures of the reliability runs. Every random choice (generated requests, kill moments,
 * which flows bind) comes from a seed that is printed, so a failing run can be repeated exactly with
 * RELIABILITY_SEED=<seed>. The figures each test measured are printed as one line, and appended as
 * JSON to the file RELIABILITY_REPORT names when it is set (docs/reliability.md is written from them).
 */

export function seedFor(name: string): number {
  const fixed = process.env.RELIABILITY_SEED;
  const seed = fixed !== undefined && /^\d+$/.test(fixed) ? Number(fixed) : Math.floor(Math.random() * 2 ** 31);
  console.log(`      [reliability] ${name}: seed ${seed} (repeat with RELIABILITY_SEED=${seed})`);
  return seed;
}

export function summary(name: string, figures: Record<string, unknown>): string {
  const line = JSON.stringify({ name, at: new Date().toISOString(), ...figures });
  if (process.env.RELIABILITY_REPORT) appendFileSync(process.env.RELIABILITY_REPORT, `${line}\n`);
  return `      [reliability] ${line}`;
}

/** A small seeded generator (mulberry32) for the tests' own random choices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
