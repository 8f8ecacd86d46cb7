import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * A secret in the configuration: written inline (local use only), or — so secrets stay out of
 * config maps — read from an environment variable or a file at start-up.
 */
export const secretSchema = z.union([
  z.string().min(1),
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof secretSchema>;

export class SecretResolutionError extends Error {}

/** Resolves a secret reference; the error names where it looked, never the value. */
export function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof ref === 'string') return ref;
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') {
      throw new SecretResolutionError(`environment variable ${ref.env} is not set`);
    }
    return value;
  }
  try {
    return readFileSync(ref.file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new SecretResolutionError(`cannot read secret file ${ref.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
