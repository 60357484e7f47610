// The registry of subcommands: one module per command, each exporting register(program).
import type { Command } from 'commander';
import { register as devices } from './devices.js';
import { register as map } from './map.js';
import { register as convert } from './convert.js';
import { register as check } from './check.js';
import { register as summary } from './summary.js';
import { register as quantize } from './quantize.js';
import { register as sweep } from './sweep.js';
import { register as evaluate } from './eval.js';
import { register as bench } from './bench.js';
import { register as finetune } from './finetune.js';
import { register as reshape } from './reshape.js';
import { register as exportModel } from './export.js';

export const COMMANDS: Array<(program: Command) => void> = [devices, map, convert, check, summary, quantize, finetune, reshape, exportModel, sweep, evaluate, bench];
