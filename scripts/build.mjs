#!/usr/bin/env node
/**
 * Bundle the Function app for deployment: src/functions/index.ts → dist/main.js (esbuild, CommonJS, Node 22),
 * plus dist/package.json {"main":"main.js"} and dist/host.json, so `dist/` is a deployable Functions app folder
 * (zip it, or `func azure functionapp publish` from it). `@azure/functions-core` is provided by the worker.
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
const result = await build({
  absWorkingDir: root,
  entryPoints: [join(root, 'src/functions/index.ts')],
  outfile: join(dist, 'main.js'),
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  external: ['@azure/functions-core'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  // ESM builds of some dependencies (e.g. @azure/storage-common's crc64) read import.meta.url, which is empty in a
  // CommonJS bundle: give them the bundle's own URL.
  define: { 'import.meta.url': '__bundleImportMetaUrl' },
  banner: { js: 'var __bundleImportMetaUrl=require("node:url").pathToFileURL(__filename).href;' },
  metafile: true,
  logLevel: 'warning',
});
const tookMs = Math.round(performance.now() - started);

writeFileSync(join(dist, 'package.json'), `${JSON.stringify({ main: 'main.js' }, null, 2)}\n`);
copyFileSync(join(root, 'host.json'), join(dist, 'host.json'));

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const size = statSync(join(dist, 'main.js')).size;
const inputs = Object.keys(result.metafile.inputs).length;
console.log(`built ${relative(root, join(dist, 'main.js'))}: ${kib(size)} (${inputs} input files, ${tookMs} ms)`);
console.log(`map   ${relative(root, join(dist, 'main.js.map'))}: ${kib(statSync(join(dist, 'main.js.map')).size)}`);
console.log('dist/ is a Functions app folder: main.js, main.js.map, package.json, host.json');
if (result.warnings.length > 0) console.log(`${result.warnings.length} warning(s) above`);
