import { readFileSync } from 'node:fs';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Command } from './command.js';
import { commands } from './commands/index.js';

/** `rds-broker <command> [options]`: finds the command, handles --help, runs it, exits with its code. */

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return manifest.version ?? 'unknown';
}

export function toolUsage(list: readonly Command[] = commands): string {
  const width = Math.max(...list.map((c) => c.name.length));
  return `Usage: rds-broker <command> [options]

An Open Service Broker (OSB API 2.17) for Amazon RDS.

Commands:
${list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run 'rds-broker <command> --help' for a command's options.
Options: -h, --help (this text), --version.`;
}

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h';

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(`${toolUsage()}\n`);
    return EXIT_USAGE;
  }
  if (isHelp(name) || name === 'help') {
    const target = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    process.stdout.write(`${target ? target.usage : toolUsage()}\n`);
    return EXIT_OK;
  }
  if (name === '--version') {
    process.stdout.write(`${version()}\n`);
    return EXIT_OK;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`rds-broker: unknown command ${JSON.stringify(name)}\n\n${toolUsage()}\n`);
    return EXIT_USAGE;
  }
  if (rest.some(isHelp)) {
    process.stdout.write(`${command.usage}\n`);
    return EXIT_OK;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`rds-broker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(EXIT_FAILURE);
  },
);
