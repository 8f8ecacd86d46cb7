import type { Command } from '../command.js';
import { serve } from './serve.js';
import { local } from './local.js';
import { instances } from './instances.js';
import { inspect } from './inspect.js';
import { check } from './check.js';
import { steps } from './steps.js';
import { emulator } from './emulator.js';
import { iamPolicyCommand } from './iam-policy.js';

/**
 * Every command of the CLI, in the order `rds-broker --help` lists them. To add one, write
 * commands/<name>.ts exporting a Command and add it here.
 */
export const commands: Command[] = [serve, local, instances, inspect, check, steps, iamPolicyCommand, emulator];
