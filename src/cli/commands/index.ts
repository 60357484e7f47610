// The registry of subcommands: one module per command, each exporting register(program).
import type { Command } from 'commander';

export const COMMANDS: Array<(program: Command) => void> = [];
