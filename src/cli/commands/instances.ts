import { EXIT_OK, type Command } from '../command.js';
import { renderJson } from '../../operator/format.js';
import { instanceRows, renderInstanceTable } from '../../operator/rows.js';
import {
  loadOperatorConfig,
  operatorDeps,
  parseOptions,
  parseOutput,
  requireConfigFile,
  runReporting,
  write,
} from '../../operator/session.js';

const usage = `Usage: rds-broker instances --config FILE [--pending] [--tenant KEY] [--output table|json]

Lists every RDS instance this broker owns (its "Broker Name" tag is broker.name of FILE), one row
each: service instance ID, RDS identifier, plan, tenant, RDS status, the current operation and how
long it has run, and the steps still pending. One paginated DescribeDBInstances (100 instances a
call, tags included): no call per instance.

Options:
  -c, --config FILE    the broker's configuration file (required)
      --pending        only instances with pending steps
      --tenant KEY     only this tenant: cloudfoundry/ORG_GUID/SPACE_GUID or kubernetes/CLUSTER/NAMESPACE;
                       a prefix ending at a "/" boundary matches more (cloudfoundry/ORG_GUID: every space)
  -o, --output FORMAT  table (default) or json
  -h, --help           show this help

Exit status: 0 when listed (even none), 1 when RDS could not be read, 2 for wrong usage or an
invalid configuration.`;

async function run(argv: string[]): Promise<number> {
  return runReporting('instances', usage, async () => {
    const { values } = parseOptions(
      argv,
      {
        config: { type: 'string', short: 'c' },
        pending: { type: 'boolean' },
        tenant: { type: 'string' },
        output: { type: 'string', short: 'o' },
      },
      false,
    );
    const output = parseOutput(values.output);
    const config = loadOperatorConfig(requireConfigFile(values.config));
    const deps = operatorDeps(config, { databases: false, logLevel: 'warn' });
    try {
      const observed = await deps.rds.listInstances();
      const now = deps.now();
      const rows = instanceRows(
        config,
        observed,
        { pending: values.pending === true, ...(values.tenant !== undefined ? { tenant: values.tenant } : {}) },
        now,
      );
      write(
        output === 'json'
          ? renderJson({ broker: config.broker.name, at: now.toISOString(), instances: rows })
          : renderInstanceTable(rows, now, {
              ...(values.tenant !== undefined ? { tenant: values.tenant } : {}),
              pending: values.pending === true,
              unfilteredCount: instanceRows(config, observed, { pending: false }, now).length,
            }),
      );
      return EXIT_OK;
    } finally {
      deps.rds.close();
    }
  });
}

export const instances: Command = {
  name: 'instances',
  summary: "list this broker's instances, their status and pending steps",
  usage,
  run,
};
