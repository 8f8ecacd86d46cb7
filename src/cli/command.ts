/** A subcommand of `rds-broker`. `run` gets the arguments after the command name and returns the exit code. */
export interface Command {
  name: string;
  /** One line for the tool's command list. */
  summary: string;
  /** The full `--help` text of the command. */
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** Exit codes shared by every command. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
/** Wrong usage or an invalid configuration: nothing was started. */
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

/**
 * Parses a command's arguments; wrong usage prints the problem and the usage text to standard error
 * and yields EXIT_USAGE instead of options. Any other error goes on to the caller.
 */
export function parseOrUsage<T>(command: string, usage: string, parse: () => T): { options: T } | { exitCode: number } {
  try {
    return { options: parse() };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`rds-broker ${command}: ${error.message}\n\n${usage}\n`);
    return { exitCode: EXIT_USAGE };
  }
}
