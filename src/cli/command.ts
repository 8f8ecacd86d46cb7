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
