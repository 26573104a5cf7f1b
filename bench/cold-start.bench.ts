/**
 * Cold start, two figures from fresh `node` processes (each timing only its requires; process start-up excluded;
 * medians of several runs), after building the deployable bundle (`node scripts/build.mjs`):
 *   importRatio   requiring dist/main.js (what the Functions host imports to index the app: the trigger
 *                 registrations; handlers.js is loaded by the first invocation) / requiring `@azure/functions` alone
 *                 and registering the same triggers with empty handlers (the floor for any app with these triggers)
 *   loadRatio     main.js + handlers.js (everything the first invocation loads) bundled / the SAME code unbundled:
 *                 every src/**\/*.ts transpiled one-to-one to CommonJS by esbuild into a temp dir, dependencies loaded
 *                 from node_modules as they are
 * Run alone: `npx tsx bench/cold-start.bench.ts`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { median, round } from './util';

const ROOT = join(__dirname, '..');

/** The triggers src/functions/index.ts registers, with empty handlers: @azure/functions alone. */
const FUNCTIONS_ALONE = `const { app } = require('@azure/functions');
const h = async () => ({ status: 200 });
const none = async () => undefined;
app.eventGrid('eventGridFailures', { handler: none });
app.http('eventGridWebhook', { methods: ['POST', 'OPTIONS'], authLevel: 'function', route: 'eventgrid', handler: h });
app.http('activityLogAlert', { methods: ['POST'], authLevel: 'function', route: 'alerts/activity-log', handler: h });
app.timer('outboxRetry', { schedule: '0 */2 * * * *', runOnStartup: false, handler: none });
app.storageQueue('healCheck', { queueName: '%REMEDIATOR_HEAL_QUEUE%', connection: 'AzureWebJobsStorage', handler: none });
app.storageQueue('healPoison', { queueName: '%REMEDIATOR_HEAL_QUEUE%-poison', connection: 'AzureWebJobsStorage', handler: none });
app.http('approval', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: 'approval/{channel?}', handler: h });
app.http('doctor', { methods: ['GET'], authLevel: 'function', route: 'doctor', handler: h });
app.timer('doctorSchedule', { schedule: '0 17 */6 * * *', runOnStartup: false, handler: none });
`;
export const FUNCTIONS_ALONE_TRIGGERS = 9;

export interface ColdStartBenchResult {
  /** dist/main.js alone. */
  bundleBytes: number;
  /** dist/handlers.js (loaded by the first invocation). */
  handlersBytes: number;
  bundledImportMs: number;
  functionsAloneImportMs: number;
  /** bundledImportMs / functionsAloneImportMs (target <= 1.5). */
  importRatio: number;
  bundledLoadMs: number;
  unbundledLoadMs: number;
  /** bundled / unbundled, main + handlers (target <= 0.7). */
  loadRatio: number;
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

/** ms to require `files` (in order) in a fresh node process. */
function timeRequire(files: readonly string[], env: NodeJS.ProcessEnv): number {
  const requires = files.map((f) => `require(${JSON.stringify(f)});`).join('');
  const script = `const t=process.hrtime.bigint();${requires}process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`;
  const out = execFileSync(process.execPath, ['-e', script], { env, stdio: ['ignore', 'pipe', 'ignore'], cwd: ROOT });
  return Number(out.toString().trim().split('\n').pop());
}

export async function runColdStartBench(opts: { runs?: number } = {}): Promise<ColdStartBenchResult> {
  const runs = opts.runs ?? 9;
  const t0 = performance.now();
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'ignore' });
  const buildMs = performance.now() - t0;
  const bundle = join(ROOT, 'dist', 'main.js');
  const handlers = join(ROOT, 'dist', 'handlers.js');
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
    const entryHandlers = join(tmp, 'src', 'functions', 'handlers.js');
    const alone = join(tmp, 'functions-alone.js');
    writeFileSync(alone, FUNCTIONS_ALONE);
    // The unbundled copy and the baseline live outside the repo: let them find the same node_modules.
    const env = { ...process.env, NODE_PATH: join(ROOT, 'node_modules') };
    const series = {
      bundledImport: [] as number[],
      alone: [] as number[],
      bundledLoad: [] as number[],
      unbundledLoad: [] as number[],
    };
    // warm the OS file cache for every file before measuring
    timeRequire([bundle, handlers], env);
    timeRequire([entry, entryHandlers], env);
    timeRequire([alone], env);
    for (let i = 0; i < runs; i++) {
      series.bundledImport.push(timeRequire([bundle], env));
      series.alone.push(timeRequire([alone], env));
      series.bundledLoad.push(timeRequire([bundle, handlers], env));
      series.unbundledLoad.push(timeRequire([entry, entryHandlers], env));
    }
    const bi = median(series.bundledImport);
    const fa = median(series.alone);
    const bl = median(series.bundledLoad);
    const ul = median(series.unbundledLoad);
    return {
      bundleBytes: statSync(bundle).size,
      handlersBytes: statSync(handlers).size,
      bundledImportMs: round(bi, 1),
      functionsAloneImportMs: round(fa, 1),
      importRatio: round(bi / fa, 2),
      bundledLoadMs: round(bl, 1),
      unbundledLoadMs: round(ul, 1),
      loadRatio: round(bl / ul, 2),
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
