import { EXIT_FAILURE, EXIT_OK, UsageError, type Command } from '../command.js';
import { renderJson } from '../../operator/format.js';
import {
  findInstance,
  loadOperatorConfig,
  operatorDeps,
  parseOptions,
  parseOutput,
  Refusal,
  requireConfigFile,
  runReporting,
  write,
} from '../../operator/session.js';
import { renderRetry, renderSkip, retryStep, skipStep } from '../../operator/step-actions.js';
import { resolveStepName, stepNameList } from '../../operator/steps.js';

const usage = `Usage: rds-broker steps INSTANCE_ID --config FILE --retry [--output text|json]
       rds-broker steps INSTANCE_ID --config FILE --skip STEP --reason TEXT [--output text|json]

The escape hatch for an instance whose pending steps are stuck.

  --retry              run a reconcile pass now, exactly as the next poll of last_operation would:
                       the next step's action is performed (and, after a quick step, the ones after
                       it); prints what was planned, the answer and what is still pending.
  --skip STEP          remove a pending step's tag without performing it, for a step an operator has
                       dealt with by hand. The reason and time are recorded in the instance's
                       "Skipped Steps" tag (newest first, shortened to fit 256 characters) and, whole,
                       in the log on standard error. Refused without --reason, for an unknown step
                       and for a step that is not pending.
  --reason TEXT        why the step is skipped (required with --skip)

STEP is a tag name or its alias: ${stepNameList()}.
INSTANCE_ID is the service instance ID (an RDS identifier "<identifierPrefix>-..." is accepted too).

Options:
  -c, --config FILE    the broker's configuration file (required)
  -o, --output FORMAT  text (default) or json
  -h, --help           show this help

Exit status: 0 when done (for --retry: the pass ran and did not fail), 1 when the instance does
not exist, RDS failed or the pass answered "failed", 2 for wrong usage, an invalid configuration
or a refused request (nothing was changed).`;

async function run(argv: string[]): Promise<number> {
  return runReporting('steps', usage, async () => {
    const { values, positionals } = parseOptions(
      argv,
      {
        config: { type: 'string', short: 'c' },
        retry: { type: 'boolean' },
        skip: { type: 'string' },
        reason: { type: 'string' },
        output: { type: 'string', short: 'o' },
      },
      true,
    );
    if (positionals.length !== 1)
      throw new UsageError(positionals.length === 0 ? 'INSTANCE_ID is required' : 'exactly one INSTANCE_ID, please');
    const output = parseOutput(values.output);
    if (values.retry === true && values.skip !== undefined) throw new UsageError('--retry and --skip exclude each other');
    if (values.retry !== true && values.skip === undefined) throw new UsageError('say what to do: --retry, or --skip STEP --reason TEXT');
    if (values.retry === true && values.reason !== undefined) throw new UsageError('--reason goes with --skip');
    // Refusals that need no AWS call come first: nothing is read or changed.
    const step = values.skip === undefined ? undefined : resolveStepName(values.skip);
    if (values.skip !== undefined) {
      if (!step) throw new Refusal(`unknown step ${JSON.stringify(values.skip)}; steps are ${stepNameList()}`);
      if (values.reason === undefined || values.reason.trim() === '')
        throw new Refusal(`--skip ${values.skip} needs --reason TEXT: skipping a step is recorded with why`);
    }
    const config = loadOperatorConfig(requireConfigFile(values.config));
    const deps = operatorDeps(config, { databases: step === undefined });
    try {
      const found = await findInstance(deps, positionals[0]!);
      if (step) {
        const result = await skipStep(deps, found, step, values.reason!);
        write(output === 'json' ? renderJson(result) : renderSkip(result));
        return EXIT_OK;
      }
      const result = await retryStep(deps, found);
      write(output === 'json' ? renderJson(result) : renderRetry(result));
      return result.result.state === 'failed' ? EXIT_FAILURE : EXIT_OK;
    } finally {
      deps.rds.close();
    }
  });
}

export const steps: Command = {
  name: 'steps',
  summary: "run an instance's next step now, or skip a pending step with a reason",
  usage,
  run,
};
