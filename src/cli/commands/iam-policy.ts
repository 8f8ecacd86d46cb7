import { EXIT_OK, type Command } from '../command.js';
import { iamPolicy, renderIamPolicy } from '../../operator/iam-policy.js';
import { loadOperatorSettings, parseOptions, requireConfigFile, runReporting, write } from '../../operator/session.js';

const usage = `Usage: rds-broker iam-policy --config FILE

Prints the least-privilege IAM policy (JSON) for the broker's AWS identity with this configuration:
exactly the RDS actions the broker calls, on instances named <broker.identifierPrefix>-* in
aws.region and tagged "Broker Name" = broker.name, the snapshots and automated backups it restores
from and deletes, the parameter, option and subnet groups its plans use (RDS's defaults where a plan
names none), the parameter groups it creates for preloaded extensions (rdsbroker-<family>-*), and,
when plans name them, their KMS keys (through RDS only) and Enhanced Monitoring roles (iam:PassRole
to monitoring.rds.amazonaws.com only). The account is left as *.

Reads the file only: no AWS call, and no secret is resolved, so it runs where the broker's secrets
are not. Generate the policy again whenever broker.name, broker.identifierPrefix, aws.region or the
plans change. For example:

  npx rds-broker iam-policy --config config.yaml > iam-policy.json
  aws iam put-role-policy --role-name rds-broker --policy-name rds-broker \\
    --policy-document file://iam-policy.json

Options:
  -c, --config FILE    the broker's configuration file (required)
  -h, --help           show this help

Exit status: 0 when printed, 2 for wrong usage or an invalid configuration file.`;

async function run(argv: string[]): Promise<number> {
  return runReporting('iam-policy', usage, async () => {
    const { values } = parseOptions(argv, { config: { type: 'string', short: 'c' } }, false);
    const config = loadOperatorSettings(requireConfigFile(values.config));
    write(renderIamPolicy(iamPolicy(config)));
    return EXIT_OK;
  });
}

export const iamPolicyCommand: Command = {
  name: 'iam-policy',
  summary: 'print the least-privilege IAM policy for a configuration',
  usage,
  run,
};
