#!/usr/bin/env node
'use strict';
// The `remediator` command. From a checkout with its dev dependencies it runs the TypeScript sources through tsx
// (always the current code, no build step); otherwise it runs the CLI that `npm run build` bundled into lib/cli/
// (so `npm prune --omit=dev` leaves a working command). The Functions bundle in dist/ does not include the CLI.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const sources = join(root, 'src', 'cli', 'main.ts');
const built = join(root, 'lib', 'cli', 'main.js');

function hasTsx() {
  try {
    require.resolve('tsx/cjs');
    return true;
  } catch {
    return false;
  }
}

let cli;
if (existsSync(sources) && hasTsx()) {
  require('tsx/cjs');
  cli = require(sources);
} else if (existsSync(built)) {
  cli = require(built);
} else {
  process.stderr.write(
    'remediator: no built CLI (lib/cli/main.js) and no tsx to run the sources: run `npm run build`\n',
  );
  process.exit(1);
}
cli.main().catch((err) => {
  process.stderr.write(`remediator: ${err && err.stack ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
