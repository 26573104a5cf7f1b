/**
 * `npm run chaos`: a randomized campaign (random kill point and delay, random storage outage window, concurrent
 * redeliveries) against the ARM emulator and Azurite, each remediator its own OS process. Last line:
 * `chaos: R runs, lost L, duplicate writes D, false applied A, false healed H`. `--runs N` (default 200), `--json`.
 */
import { startAzurite } from '../src/local/azurite';
import { CHAOS_STEPS, runChaosRun, type ChaosRunResult, type ChaosRunSpec } from './chaos/campaign';

export async function runChaosCampaign(runs: number, progress: (s: string) => void): Promise<ChaosRunResult[]> {
  const azurite = await startAzurite();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;
  const results: ChaosRunResult[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const spec: ChaosRunSpec = { redeliveries: 1 + Math.floor(Math.random() * 3) };
      if (Math.random() < 0.8) {
        spec.killAt = pick(CHAOS_STEPS);
        if (spec.killAt.startsWith('write:')) spec.killDelayMs = Math.floor(Math.random() * 60);
      }
      if (Math.random() < 0.4) {
        spec.outageAt = pick(CHAOS_STEPS);
        spec.outageMs = 100 + Math.floor(Math.random() * 1500);
      }
      const r = await runChaosRun(azurite, spec, i);
      results.push(r);
      if (r.lost || r.duplicateWrites || r.falseApplied || r.falseHealed) progress(`run ${i}: ${JSON.stringify(r)}`);
      if (i % 10 === 9) progress(`${i + 1} runs`);
    }
  } finally {
    await azurite.stop();
  }
  return results;
}

export function summarizeChaos(results: readonly ChaosRunResult[]): string {
  const sum = (f: (r: ChaosRunResult) => number): number => results.reduce((n, r) => n + f(r), 0);
  return `chaos: ${results.length} runs, lost ${sum((r) => (r.lost ? 1 : 0))}, duplicate writes ${sum((r) => r.duplicateWrites)}, false applied ${sum((r) => r.falseApplied)}, false healed ${sum((r) => r.falseHealed)}`;
}

if (require.main === module) {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : 200;
  void runChaosCampaign(runs, (s) => void process.stderr.write(`chaos: ${s}\n`)).then((results) => {
    if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(results)}\n`);
    process.stdout.write(`${summarizeChaos(results)}\n`);
  });
}
