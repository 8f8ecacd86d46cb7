import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchConfigDocument, type BenchBrokerSettings } from './broker-config.js';
import type { Figure } from './figures.js';
import type { BenchOptions } from './options.js';
import type { BrokerProcess, EmulatorProcess } from './processes.js';

/** What every scenario of a benchmark run shares: options, where logs go, and how to start processes. */
export interface BenchContext {
  options: BenchOptions;
  outDir: string;
  username: string;
  password: string;
  derivationSecret: string;
  /** The compiled broker's cli/main.js. */
  builtEntry: string;
  /** Node flags every broker is started with (production's, from the Dockerfile, unless overridden). */
  brokerNodeArgs: string[];
  /** Starts `rds-broker serve --config FILE` from the compiled build; stopped with the run if not before. */
  launch(configFile: string, logName: string): Promise<BrokerProcess>;
  stop(broker: BrokerProcess): Promise<void>;
  /** Starts `rds-broker emulator ARGS` (compiled); stopped with the run if not before. */
  emulator(args: string[], logName: string): Promise<EmulatorProcess>;
  stopEmulator(emulator: EmulatorProcess): Promise<void>;
  progress(text: string): void;
  print(figure: Figure): void;
}

/** The region of the local configuration, so the emulator's ARNs name the region the broker asks. */
export const BENCH_REGION = 'eu-west-1';

/** Writes a broker configuration for `emulator` into the run's directory; returns its path. */
export function writeBrokerConfig(
  ctx: BenchContext,
  emulator: EmulatorProcess,
  name: string,
  settings: Omit<BenchBrokerSettings, 'emulatorUrl' | 'username' | 'password' | 'derivationSecret'>,
): { file: string; document: Record<string, any> } {
  const document = benchConfigDocument({
    emulatorUrl: emulator.url,
    ...(emulator.caFile ? { caFile: emulator.caFile } : {}),
    username: ctx.username,
    password: ctx.password,
    derivationSecret: ctx.derivationSecret,
    ...settings,
  });
  const file = join(ctx.outDir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
  return { file, document };
}
