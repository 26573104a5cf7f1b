/**
 * Cold start: time to `require()` the deployable bundle (dist/main.js, built by `node scripts/build.mjs`) compared with
 * requiring the SAME code unbundled: every src/**\/*.ts transpiled one-to-one to CommonJS JS by esbuild (no bundling,
 * no minification) into a temp dir, dependencies loaded from node_modules as they are. Each measurement is a fresh
 * `node` child process timing only the require (process start-up excluded); the figure is the median of several.
 * Run alone: `npx tsx bench/cold-start.bench.ts`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { median, round } from './util';

const ROOT = join(__dirname, '..');

export interface ColdStartBenchResult {
  bundleBytes: number;
  bundledImportMs: number;
  unbundledImportMs: number;
  /** bundled / unbundled (target <= 0.7). */
  ratio: number;
  runs: number;
  buildMs: number;
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** ms to require `file` in a fresh node process. */
function timeRequire(file: string, env: NodeJS.ProcessEnv): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`;
  const out = execFileSync(process.execPath, ['-e', script], { env, stdio: ['ignore', 'pipe', 'ignore'], cwd: ROOT });
  return Number(out.toString().trim().split('\n').pop());
}

export async function runColdStartBench(opts: { runs?: number } = {}): Promise<ColdStartBenchResult> {
  const runs = opts.runs ?? 7;
  const t0 = performance.now();
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'ignore' });
  const buildMs = performance.now() - t0;
  const bundle = join(ROOT, 'dist', 'main.js');
  const tmp = mkdtempSync(join(tmpdir(), 'remediator-unbundled-'));
  try {
    const sources = listTs(join(ROOT, 'src'));
    await build({
      absWorkingDir: ROOT,
      entryPoints: sources,
      outdir: join(tmp, 'src'),
      outbase: join(ROOT, 'src'),
      bundle: false,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      logLevel: 'error',
    });
    const entry = join(tmp, 'src', relative(join(ROOT, 'src'), join(ROOT, 'src', 'functions', 'index.js')));
    // The unbundled copy lives outside the repo: let it find the same node_modules.
    const env = { ...process.env, NODE_PATH: join(ROOT, 'node_modules') };
    const bundled: number[] = [];
    const unbundled: number[] = [];
    timeRequire(bundle, env); // warm the OS file cache for both before measuring
    timeRequire(entry, env);
    for (let i = 0; i < runs; i++) {
      bundled.push(timeRequire(bundle, env));
      unbundled.push(timeRequire(entry, env));
    }
    const b = median(bundled);
    const u = median(unbundled);
    return {
      bundleBytes: statSync(bundle).size,
      bundledImportMs: round(b, 1),
      unbundledImportMs: round(u, 1),
      ratio: round(b / u, 2),
      runs,
      buildMs: round(buildMs, 0),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runColdStartBench()
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
