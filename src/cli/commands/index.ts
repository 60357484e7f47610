// The registry of subcommands: one module per command, each exporting register(program).
import type { Command } from 'commander';
import { register as devices } from './devices.js';
import { register as map } from './map.js';

export const COMMANDS: Array<(program: Command) => void> = [devices, map];
