#!/usr/bin/env node
// Entry point of the `spikemesh` command (built by `npm run build` into dist/cli.js).
process.env.SPIKEMESH_CLI_ENTRY = '1';
await import('../dist/cli.js');
