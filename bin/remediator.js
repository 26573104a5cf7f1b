#!/usr/bin/env node
'use strict';
// The `remediator` command. It runs the TypeScript sources through tsx (installed by `npm ci`), so a checkout needs
// no build step; the deployable Functions bundle (`npm run build`) does not include the CLI.
require('tsx/cjs');
require('../src/cli/main.ts')
  .main()
  .catch((err) => {
    process.stderr.write(`remediator: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
