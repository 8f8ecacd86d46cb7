import type { DBEngineVersion } from '@aws-sdk/client-rds';
import { compareVersions, type SettingsChange } from '../reconcile/settings.js';
import { BrokerError } from './contract.js';
import type { BrokerDeps } from './deps.js';

/** Pure: the newest minor version RDS offers as an upgrade of `current`, within its major version. */
export function latestMinorUpgrade(current: string, versions: readonly DBEngineVersion[]): string | undefined {
  const major = current.split('.')[0];
  const offered = versions.find((v) => v.EngineVersion === current)?.ValidUpgradeTarget ?? [];
  const minors = offered
    .filter((t) => t.EngineVersion && t.EngineVersion.split('.')[0] === major && !t.IsMajorVersionUpgrade)
    .map((t) => t.EngineVersion!)
    .sort(compareVersions);
  const newest = minors[minors.length - 1];
  return newest && compareVersions(newest, current) > 0 ? newest : undefined;
}

/** Pure: whether RDS lists `target` among the upgrade targets of `current`. */
export function isValidUpgrade(current: string, target: string, versions: readonly DBEngineVersion[]): boolean {
  const offered = versions.find((v) => v.EngineVersion === current)?.ValidUpgradeTarget ?? [];
  return offered.some((t) => t.EngineVersion === target);
}

/**
 * Checks an engine version change against what RDS allows before asking for it, so a plan change to
 * a version RDS cannot upgrade to is refused up front with a clear reason, and nothing is modified.
 */
export async function checkEngineUpgrade(deps: BrokerDeps, engine: string, current: string, change: SettingsChange): Promise<void> {
  if (!change.EngineVersion) return;
  const versions = await deps.rds.describeEngineVersions(engine, current);
  if (!isValidUpgrade(current, change.EngineVersion, versions)) {
    throw new BrokerError(
      422,
      `RDS cannot upgrade ${engine} ${current} to ${change.EngineVersion}; choose a plan whose engine version is a valid upgrade target`,
    );
  }
}

/** The newest minor version to upgrade to on request (`upgrade_minor_version`), or undefined when current. */
export async function minorUpgradeTarget(deps: BrokerDeps, engine: string, current: string): Promise<string | undefined> {
  return latestMinorUpgrade(current, await deps.rds.describeEngineVersions(engine, current));
}
