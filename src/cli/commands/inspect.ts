import { EXIT_OK, UsageError, type Command } from '../command.js';
import { reconcileInstance } from '../../broker/operate.js';
import { renderJson } from '../../operator/format.js';
import { EVENT_HOURS, inspectReport, renderInspect } from '../../operator/inspect.js';
import {
  findInstance,
  loadOperatorConfig,
  operatorDeps,
  parseOptions,
  parseOutput,
  requireConfigFile,
  runReporting,
  write,
} from '../../operator/session.js';

const usage = `Usage: rds-broker inspect INSTANCE_ID --config FILE [--output text|json]

Shows one instance as the broker sees it: what RDS reports (status, pending modified values,
parameter group and its apply status, endpoint), its RDS events of the last 24 hours, its identity
and step tags, and the decision the next poll of last_operation would take — reconciled now from
the same observation, NOT performed — with what it would do and the facts it rests on. INSTANCE_ID is the service instance ID (an RDS
identifier "<identifierPrefix>-..." is accepted too). Prints no secret.

Note: for the master-password step the next action is "probe-master-login": a poll first logs in
with the derived password and only resets it when that is refused.

Options:
  -c, --config FILE    the broker's configuration file (required)
  -o, --output FORMAT  text (default) or json
  -h, --help           show this help

Exit status: 0 when shown, 1 when the instance does not exist or RDS could not be read, 2 for
wrong usage or an invalid configuration.`;

async function run(argv: string[]): Promise<number> {
  return runReporting('inspect', usage, async () => {
    const { values, positionals } = parseOptions(
      argv,
      { config: { type: 'string', short: 'c' }, output: { type: 'string', short: 'o' } },
      true,
    );
    if (positionals.length !== 1)
      throw new UsageError(positionals.length === 0 ? 'INSTANCE_ID is required' : 'exactly one INSTANCE_ID, please');
    const output = parseOutput(values.output);
    const config = loadOperatorConfig(requireConfigFile(values.config));
    const deps = operatorDeps(config, { databases: false, logLevel: 'warn' });
    try {
      const found = await findInstance(deps, positionals[0]!);
      const decision = await reconcileInstance(deps, found.observed, found.instanceId, { dryRun: true });
      const now = deps.now();
      // Events help an operator but are not needed to decide: a role without rds:DescribeEvents still inspects.
      const events = await deps.rds
        .describeEvents(found.observed.identifier, EVENT_HOURS * 60)
        .catch((error: unknown) => ({ unavailable: error instanceof Error ? error.message : String(error) }));
      const report = inspectReport({
        config,
        instanceId: found.instanceId,
        observed: found.observed,
        ...(found.problem ? { ownershipProblem: found.problem } : {}),
        decision,
        now,
        settleSeconds: deps.settleSeconds,
        events,
      });
      write(output === 'json' ? renderJson(report) : renderInspect(report, now));
      return EXIT_OK;
    } finally {
      deps.rds.close();
    }
  });
}

export const inspect: Command = {
  name: 'inspect',
  summary: "show an instance's state and the decision the next poll would take",
  usage,
  run,
};
