#!/usr/bin/env node
'use strict';
// The `remediator` command. In a source checkout it runs the TypeScript sources through tsx (no build step needed);
// in a package without sources it runs the esbuild bundle in dist/cli.js.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const source = path.join(root, 'src', 'cli', 'main.ts');
let cli;
if (fs.existsSync(source)) {
  require('tsx/cjs');
  cli = require(source);
} else {
  cli = require(path.join(root, 'dist', 'cli.js'));
}
cli.main().catch((err) => {
  process.stderr.write(`remediator: ${err && err.stack ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
