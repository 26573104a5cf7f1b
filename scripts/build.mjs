#!/usr/bin/env node
/**
 * Bundle the Function app for deployment: src/functions/index.ts → dist/main.js (esbuild, CommonJS, Node 22; the
 * handlers in dist/handlers.js and the settings check in dist/startup-check.js, loaded on first use),
 * plus dist/package.json {"main":"main.js"} and dist/host.json, so `dist/` is a deployable Functions app folder
 * (zip it, or `func azure functionapp publish` from it). `@azure/functions-core` is provided by the worker.
 * No source map is shipped (the worker runs Node without --enable-source-maps). Whitespace and syntax are minified
 * (V8 parses the whole file on the first require: a third less text is a faster cold start) but identifiers are not
 * renamed and `keepNames` holds, so stack traces in Application Insights still name the real functions.
 *
 * Also the `remediator` command: src/cli/main.ts → lib/cli/main.js (its npm dependencies stay external), which
 * bin/remediator.js runs when there is no checkout with tsx (e.g. after `npm prune --omit=dev`).
 *
 *   node scripts/build.mjs
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const started = performance.now();
// Three files, so that importing the app costs @azure/functions and the registrations only: main.js registers the
// triggers; handlers.js (the pipeline, SDK clients, storage, notifier) is required by the first invocation;
// startup-check.js (config and logger) by the settings check right after the import; adapters/telemetry-sdk.js when
// telemetry is configured. These requires stay requires (external), resolved next to the files at run time.
const result = await build({
  absWorkingDir: root,
  entryPoints: {
    main: join(root, 'src/functions/index.ts'),
    handlers: join(root, 'src/functions/handlers.ts'),
    'startup-check': join(root, 'src/functions/startup-check.ts'),
    // the deployment's smoke check (GET /api/doctor): its probes load only when it is asked
    doctor: join(root, 'src/functions/doctor.ts'),
    // required by src/runtime.ts only when telemetry is configured (the Azure Monitor distro is most of the code)
    'adapters/telemetry-sdk': join(root, 'src/adapters/telemetry-sdk.ts'),
  },
  outdir: dist,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  external: ['@azure/functions-core', './handlers', './startup-check', './doctor', './adapters/telemetry-sdk'],
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: false,
  keepNames: true,
  sourcemap: false,
  legalComments: 'none',
  // ESM builds of some dependencies (e.g. @azure/storage-common's crc64) read import.meta.url, which is empty in a
  // CommonJS bundle: give them the bundle's own URL.
  define: { 'import.meta.url': '__bundleImportMetaUrl' },
  banner: { js: 'var __bundleImportMetaUrl=require("node:url").pathToFileURL(__filename).href;' },
  metafile: true,
  logLevel: 'warning',
});
const tookMs = Math.round(performance.now() - started);

// lib/cli/main.js: the same depth as src/cli/main.ts, so the CLI's paths relative to its own folder still hold
const cliOut = join(root, 'lib', 'cli', 'main.js');
rmSync(join(root, 'lib'), { recursive: true, force: true });
const cli = await build({
  absWorkingDir: root,
  entryPoints: [join(root, 'src/cli/main.ts')],
  outfile: cliOut,
  bundle: true,
  packages: 'external',
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  sourcemap: false,
  logLevel: 'warning',
});

writeFileSync(join(dist, 'package.json'), `${JSON.stringify({ main: 'main.js' }, null, 2)}\n`);
// What went into each deployable file (esbuild's own record; the minified files carry no `// path` comments): the
// packaging test checks from it that nothing local-only is bundled. Written next to the CLI bundle, outside dist/.
const inputs = Object.fromEntries(
  Object.entries(result.metafile.outputs).map(([file, out]) => [
    relative(dist, join(root, file)),
    Object.keys(out.inputs),
  ]),
);
writeFileSync(join(root, 'lib', 'bundle-inputs.json'), `${JSON.stringify(inputs, null, 2)}\n`);
copyFileSync(join(root, 'host.json'), join(dist, 'host.json'));

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
for (const [file, out] of Object.entries(result.metafile.outputs)) {
  const inputs = Object.keys(out.inputs).length;
  console.log(`built ${relative(root, join(root, file))}: ${kib(out.bytes)} (${inputs} input files)`);
}
console.log(`(${tookMs} ms)`);
console.log(`built ${relative(root, cliOut)}: ${kib(statSync(cliOut).size)} (the remediator command)`);
console.log('dist/ is a Functions app folder: main.js (+ handlers.js, startup-check.js), package.json, host.json');
const warnings = result.warnings.length + cli.warnings.length;
if (warnings > 0) console.log(`${warnings} warning(s) above`);
