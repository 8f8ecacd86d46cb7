import type { ObservedInstance } from '../reconcile/observed.js';

/** OSB instance metadata: labels a platform can show and select on. Values are strings. */
export function instanceMetadata(observed: ObservedInstance): { labels: Record<string, string>; attributes: Record<string, string> } {
  const labels: Record<string, string> = {};
  if (observed.arn) labels.rds_arn = observed.arn;
  if (observed.engine) labels.engine = observed.engine;
  if (observed.engineVersion) labels.engine_version = observed.engineVersion;
  if (observed.identifier) labels.rds_identifier = observed.identifier;
  return { labels, attributes: {} };
}
