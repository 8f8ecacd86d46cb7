import { parseArgs } from 'node:util';
import { createBroker } from '../../broker/index.js';
import { housekeepingJobs } from '../../housekeeping/jobs.js';
import { startHousekeeping } from '../../housekeeping/leadership.js';
import { attachRequeue } from '../../housekeeping/requeue.js';
import { ConfigError, loadConfigFile, type Config } from '../../config/load.js';
import { createLogger } from '../../log/logger.js';
import { recordHousekeepingRun, recordLeadership } from '../../metrics/metrics.js';
import { startServer, stopOnSignal } from '../../server/index.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, type Command } from '../command.js';

const usage = `Usage: rds-broker serve --config FILE [--port N]

Serves the Open Service Broker API for Amazon RDS, configured by FILE (YAML or JSON; see
CONFIGURATION.md). AWS credentials come from the standard AWS chain unless the file sets
aws.credentials. Stops gracefully on SIGTERM or SIGINT.

Options:
  -c, --config FILE   configuration file (required)
  -p, --port N        listen on port N instead of listen.port (0: any free port)
  -h, --help          show this help

Exit status: 0 after a graceful stop, 1 when serving failed, 2 for wrong usage or an invalid
configuration (every problem is printed with its field path).`;

export function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
    throw new UsageError(`--port must be an integer from 0 to 65535, not ${JSON.stringify(text)}`);
  return Number(text);
}

function parse(argv: string[]): { configFile: string; port?: number } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { config: { type: 'string', short: 'c' }, port: { type: 'string', short: 'p' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!values.config) throw new UsageError('--config FILE is required');
  return values.port === undefined ? { configFile: values.config } : { configFile: values.config, port: parsePort(values.port) };
}

async function run(argv: string[]): Promise<number> {
  let options;
  let config: Config;
  try {
    options = parse(argv);
    config = loadConfigFile(options.configFile);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`rds-broker serve: ${error.message}\n\n${usage}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(
        `rds-broker serve: invalid configuration in ${options!.configFile}:\n${error.problems.map((p) => `  - ${p}`).join('\n')}\n`,
      );
      return EXIT_USAGE;
    }
    throw error;
  }
  if (options.port !== undefined) config = { ...config, listen: { ...config.listen, port: options.port } };

  const log = createLogger(config.logging.level);
  const broker = await createBroker(config, log);
  let server;
  try {
    server = await startServer({ config, broker, log });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    log.fatal({ err: error }, 'cannot start the HTTP server');
    process.stderr.write(`rds-broker serve: cannot listen on ${config.listen.host}:${config.listen.port}${code ? ` (${code})` : ''}\n`);
    await broker.close();
    return EXIT_FAILURE;
  }
  // Housekeeping (snapshot retention, credential repair, background resync) runs on one replica:
  // the Lease holder in Kubernetes, or the one configured to run it elsewhere.
  // The requeue runs beside the jobs while this replica leads: each step starts as soon as RDS allows.
  const requeue = attachRequeue(broker.deps, config.housekeeping.requeue);
  const housekeeping = startHousekeeping(config.housekeeping, housekeepingJobs(broker.deps), {
    log,
    whileLeading: [requeue.whileLeading],
    onLeadershipChange: recordLeadership,
    onRunEnded: recordHousekeepingRun,
  });
  // Signal handlers go in before "listening" is announced: whoever waits for that line may signal at once.
  const stopped = stopOnSignal({
    log,
    stopServer: server.close,
    stopBroker: async () => {
      await housekeeping.stop();
      await broker.close();
    },
  });
  log.info({ url: server.url, port: server.port, tls: Boolean(config.listen.tls) }, `rds-broker listening on ${server.url}`);
  await stopped;
  return EXIT_OK;
}

export const serve: Command = { name: 'serve', summary: 'serve the OSB API from a configuration file', usage, run };
