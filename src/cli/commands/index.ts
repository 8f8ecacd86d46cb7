import type { Command } from '../command.js';
import { serve } from './serve.js';

/**
 * Every command of the CLI, in the order `rds-broker --help` lists them. To add one, write
 * commands/<name>.ts exporting a Command and add it here.
 */
export const commands: Command[] = [serve];
