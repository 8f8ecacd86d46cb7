import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Command } from '../command.js';
import type { Config } from '../../config/load.js';
import { allFindings, checkReport, invalidConfigReport, renderCheck, type CheckReport } from '../../operator/check.js';
import { gatherFacts } from '../../operator/check-run.js';
import { renderJson } from '../../operator/format.js';
import {
  InvalidConfigFile,
  loadOperatorConfig,
  operatorDeps,
  parseOptions,
  parseOutput,
  requireConfigFile,
  runReporting,
  write,
} from '../../operator/session.js';

const usage = `Usage: rds-broker check --config FILE [--output text|json]

Checks a configuration before the broker serves with it: validates the file (every problem with
its field path), reads the files it names (database.tls.caBundleFile, listen.tls), reaches RDS with
the configured credentials, and checks that every plan's engine version (DescribeDBEngineVersions),
instance class and storage type (DescribeOrderableDBInstanceOptions), parameter group
(DescribeDBParameterGroups) and subnet group (DescribeDBSubnetGroups) exist, and that a plan's
parameter group is of its engine version's family. Database TLS: the CA bundle must hold the
authority RDS gives the plans' instances and the broker's existing ones (DescribeCertificates,
compared by thumbprint), a plan's caCertificateIdentifier must be one RDS offers, and a TLS
handshake with one of the broker's instances per authority (no login) must verify with the bundle.
An action RDS refuses the broker's identity (AccessDenied) is named with the fix. Each problem
names the configuration path it comes from, e.g. catalog.services[0].plans[1].rds.engineVersion.
RDS is asked once per distinct value, with at most two attempts a call, so an unreachable endpoint
is reported quickly.

Options:
  -c, --config FILE    the configuration file to check (required)
  -o, --output FORMAT  text (default) or json
  -h, --help           show this help

Exit status: 0 only when every check passed, 1 when any failed, 2 for wrong usage or an invalid
configuration file.`;

/** A check waits for an operator: a failure is reported after two attempts, not after the serving retry budget. */
function quickRetries(config: Config): Config {
  return {
    ...config,
    aws: { ...config.aws, maxAttempts: Math.min(config.aws.maxAttempts, 2), retryBudgetMs: Math.min(config.aws.retryBudgetMs, 3000) },
  };
}

async function run(argv: string[]): Promise<number> {
  return runReporting('check', usage, async () => {
    const { values } = parseOptions(argv, { config: { type: 'string', short: 'c' }, output: { type: 'string', short: 'o' } }, false);
    const output = parseOutput(values.output);
    const file = requireConfigFile(values.config);
    const print = (report: CheckReport) => write(output === 'json' ? renderJson(report) : renderCheck(report));
    let config: Config;
    try {
      config = loadOperatorConfig(file);
    } catch (error) {
      if (!(error instanceof InvalidConfigFile)) throw error;
      print(invalidConfigReport(file, error.problems));
      return EXIT_USAGE;
    }
    const deps = operatorDeps(quickRetries(config), { databases: false, logLevel: 'warn' });
    try {
      const report = checkReport(file, allFindings(config, await gatherFacts(deps, config), file));
      print(report);
      return report.ok ? EXIT_OK : EXIT_FAILURE;
    } finally {
      deps.rds.close();
    }
  });
}

export const check: Command = {
  name: 'check',
  summary: 'check a configuration against RDS: versions, classes, groups, CA bundle, permissions',
  usage,
  run,
};
