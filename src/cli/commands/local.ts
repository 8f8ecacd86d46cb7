import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { createBroker } from '../../broker/index.js';
import { buildConfig } from '../../config/load.js';
import { createLogger } from '../../log/logger.js';
import { ensureLocalParameterGroups } from '../../local/parameter-groups.js';
import { signalsOrParentExit } from '../../local/parent.js';
import { LOCAL_PLANS, LOCAL_SERVICE_ID, localConfigDocument, newLocalSecret } from '../../local/config.js';
import { startServer, stopOnSignal } from '../../server/index.js';
import { EXIT_OK, parseOrUsage, UsageError, type Command } from '../command.js';
import { parsePort } from './serve.js';

const usage = `Usage: rds-broker local [--port 8080] [--emulator-port 4566] [--state-dir DIR] [--speed N]

Runs the RDS emulator and the broker together on 127.0.0.1, with a built-in catalog of PostgreSQL
plans: everything a platform does with the broker, on this machine, with real databases.
Credentials: BROKER_USERNAME / BROKER_PASSWORD, or printed defaults. The configuration it runs
with is written to <state-dir>/config.yaml (a temporary directory without --state-dir), so the
operator commands work against it: rds-broker inspect ID --config <that file>.

Options:
  -p, --port N          broker port (default 8080; 0: any free port)
      --emulator-port N emulator port (default 4566; 0: any free port)
      --state-dir DIR   keep emulator state (instances, snapshots) and the configuration across runs
      --speed N         multiplier of RDS's durations (default 0.05: a create takes seconds)
      --log-level LEVEL broker log level (default info)
  -h, --help            show this help

Ctrl-C, SIGTERM, SIGHUP or the end of the process that started it (npm start, npx, a shell)
stops the broker, the emulator and every database it started, and removes the temporary directory.`;

function parse(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', short: 'p' },
        'emulator-port': { type: 'string' },
        'state-dir': { type: 'string' },
        speed: { type: 'string' },
        'log-level': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const speed = values.speed === undefined ? 0.05 : Number(values.speed);
  if (!Number.isFinite(speed) || speed < 0) throw new UsageError('--speed must be a number ≥ 0');
  return {
    port: values.port === undefined ? 8080 : parsePort(values.port),
    emulatorPort: values['emulator-port'] === undefined ? 4566 : parsePort(values['emulator-port']),
    stateDir: values['state-dir'],
    speed,
    logLevel: values['log-level'] ?? 'info',
  };
}

/** The derivation secret survives restarts with a state directory, so passwords stay valid. */
function localSecret(stateDir: string, persistent: boolean): string {
  const file = join(stateDir, 'derivation-secret');
  if (persistent && existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = newLocalSecret();
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

async function run(argv: string[]): Promise<number> {
  const parsed = parseOrUsage('local', usage, () => parse(argv));
  if ('exitCode' in parsed) return parsed.exitCode;
  const options = parsed.options;
  const persistent = options.stateDir !== undefined;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'rds-broker-local-'));
  mkdirSync(stateDir, { recursive: true });
  // Run as root, the emulator's databases run under their own account, which must reach their
  // directories below this one; the files that hold secrets stay private (mode 0600).
  if (process.getuid?.() === 0) chmodSync(stateDir, 0o711);
  // Loaded here, not at the top: every command's module is imported by the CLI, and `serve` should
  // not carry the emulator's code in its memory.
  const { startEmulator } = await import('../../emulator/index.js');
  const emulator = await startEmulator({
    port: options.emulatorPort,
    stateDir: join(stateDir, 'emulator'),
    speed: options.speed,
    region: 'eu-west-1',
    handleSignals: false,
  });
  const username = process.env.BROKER_USERNAME || 'broker';
  const password = process.env.BROKER_PASSWORD || 'broker-password';
  const document = localConfigDocument({
    port: options.port,
    emulatorUrl: emulator.url,
    caFile: emulator.caFile,
    username,
    password,
    derivationSecret: localSecret(stateDir, persistent),
    logLevel: options.logLevel,
    speed: options.speed,
  });
  // The file holds the local secrets; it is for the operator tools on this machine only.
  const configFile = join(stateDir, 'config.yaml');
  writeFileSync(configFile, stringify(document), { mode: 0o600 });
  const config = buildConfig(document, {});
  const log = createLogger(config.logging.level);
  const broker = await createBroker(config, log);
  await ensureLocalParameterGroups(broker.deps.rds);
  const server = await startServer({ config, broker, log });
  const auth = `-u '${username}:${password}'`;
  const headers = `-H 'X-Broker-API-Version: 2.17' -H 'Content-Type: application/json'`;
  const id = 'my-first-db';
  process.stdout.write(`
rds-broker local mode
  broker      ${server.url}   (user ${username}, password ${process.env.BROKER_PASSWORD ? '(from BROKER_PASSWORD)' : password})
  emulator    ${emulator.url}   (aws --endpoint-url ${emulator.url} rds describe-db-instances)
  database CA ${emulator.caFile}
  config      ${configFile}
  state       ${stateDir}${persistent ? '' : ' (removed on exit)'}

Try:
  curl -s ${auth} ${headers} ${server.url}/v2/catalog
  curl -s ${auth} ${headers} -X PUT '${server.url}/v2/service_instances/${id}?accepts_incomplete=true' -d '{"service_id":"${LOCAL_SERVICE_ID}","plan_id":"${LOCAL_PLANS.small}","context":{"platform":"cloudfoundry","organization_guid":"org","space_guid":"space"}}'
  curl -s ${auth} ${headers} '${server.url}/v2/service_instances/${id}/last_operation?operation=provision'
  curl -s ${auth} ${headers} -X PUT '${server.url}/v2/service_instances/${id}/service_bindings/my-binding' -d '{"service_id":"${LOCAL_SERVICE_ID}","plan_id":"${LOCAL_PLANS.small}"}'
  npx rds-broker instances --config ${configFile}

Restores: restore_from_latest_snapshot_of restores the newest snapshot (here usually the one taken
at creation, without data written since); for current data use restore_from_point_in_time_of.

Ctrl-C stops everything.
`);
  const signals = signalsOrParentExit();
  await stopOnSignal(
    {
      log,
      stopServer: server.close,
      stopBroker: async () => {
        await broker.close();
        await emulator.stop();
        if (!persistent) rmSync(stateDir, { recursive: true, force: true });
      },
    },
    signals,
  );
  signals.stop();
  return EXIT_OK;
}

export const local: Command = { name: 'local', summary: 'run the emulator and the broker together on this machine', usage, run };
