/**
 * The emulator in a process of its own for the benchmark (so its work does not share the load
 * generator's event loop). Settings come as JSON in BENCH_EMULATOR_SETTINGS; once listening it
 * prints one JSON line, {"url", "caFile"}. It stops on SIGTERM or SIGINT, and when its standard
 * input closes: the benchmark that started it is gone, and nothing may outlive it.
 */
import { startEmulator, type EmulatorOptions } from '../src/emulator/index.js';

const settings = JSON.parse(process.env.BENCH_EMULATOR_SETTINGS ?? '{}') as Pick<
  EmulatorOptions,
  'speed' | 'databases' | 'visibilityLagMs' | 'region'
>;
const emulator = await startEmulator({ ...settings, port: 0 });
process.stdout.write(`${JSON.stringify({ url: emulator.url, caFile: emulator.caFile })}\n`);

process.stdin.resume();
process.stdin.on('end', () => {
  void emulator.stop().finally(() => process.exit(0));
});
