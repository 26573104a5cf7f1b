/**
 * Memory: RSS (after a full GC) of a remediator process after 10,000 and 50,000 events through the intake and the
 * pipeline (mixed: 90 % ignored; dry-run; in-memory store), in a child process started with --expose-gc; the ARM
 * emulator runs in this (parent) process so its request log does not count. The child is bundled with esbuild first
 * and run by plain `node` (as the deployed bundle runs; no TypeScript loader in memory). The first point (0 events) is
 * the process after loading the code.
 * Run alone: `npx tsx bench/memory.bench.ts`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator';
import { buildStormWorld } from '../test/helpers/storm';
import { buildMixedBatch } from './intake.bench';
import { bundleChild, round, runChildOnce } from './util';

export interface MemoryBenchResult {
  points: Array<{ events: number; rssMb: number; heapUsedMb: number; externalMb: number }>;
  /** RSS at the last checkpoint minus RSS at the first (10,000 events). */
  rssGrowthMb: number;
  heapGrowthMb: number;
  statuses: Record<string, number>;
  auditRecords: number;
  wallMs: number;
}

export async function runMemoryBench(
  opts: { checkpoints?: number[]; batch?: number } = {},
): Promise<MemoryBenchResult> {
  const checkpoints = opts.checkpoints ?? [10_000, 50_000];
  const batch = opts.batch ?? 100;
  const storm = buildStormWorld({ apps: 40, identities: 2 });
  const emulator = await startEmulator({ world: storm.world });
  const trim = setInterval(() => emulator.clearRequestLog(), 1000);
  const t0 = performance.now();
  const tmp = mkdtempSync(join(tmpdir(), 'remediator-memory-'));
  try {
    const childJs = join(tmp, 'memory-child.js');
    const batchFile = join(tmp, 'batch.json');
    writeFileSync(batchFile, JSON.stringify(buildMixedBatch(batch, 'x')));
    await bundleChild(join(__dirname, 'memory-child.ts'), childJs);
    const result = await runChildOnce<Omit<MemoryBenchResult, 'rssGrowthMb' | 'heapGrowthMb' | 'wallMs'>>(
      childJs,
      'MEMORY_BENCH',
      {
        endpoint: emulator.endpoint,
        caPath: emulator.caPath,
        now: emulator.clock.now().toISOString(),
        checkpoints,
        batchFile,
      },
      { execArgv: ['--expose-gc'] },
    );
    const first = result.points[1];
    const last = result.points[result.points.length - 1];
    const points = result.points.map((p) => ({
      events: p.events,
      rssMb: round(p.rssMb, 1),
      heapUsedMb: round(p.heapUsedMb, 1),
      externalMb: round(p.externalMb, 1),
    }));
    return {
      ...result,
      points,
      rssGrowthMb: round((last?.rssMb ?? NaN) - (first?.rssMb ?? NaN), 1),
      heapGrowthMb: round((last?.heapUsedMb ?? NaN) - (first?.heapUsedMb ?? NaN), 1),
      wallMs: round(performance.now() - t0, 0),
    };
  } finally {
    clearInterval(trim);
    rmSync(tmp, { recursive: true, force: true });
    await emulator.stop();
  }
}

if (require.main === module) {
  runMemoryBench()
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
