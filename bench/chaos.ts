/**
 * `npm run chaos`: a randomized campaign (random kill step and in-flight delay, random storage outage window and step,
 * 1–3 concurrent redeliveries, some redelivery races) against the ARM emulator and Azurite, each remediator its own OS
 * process (real SDK clients). Last line: `chaos: R runs, lost L, duplicate writes D, false applied A, false healed H`.
 * `--runs N` (default 200), `--seed S` (repeatable), `--json` (every run's result on stdout before the last line).
 */
import { startAzurite } from '../src/local/azurite';
import { CHAOS_STEPS, prepareChaosChild, runChaosRun, type ChaosRunResult, type ChaosRunSpec } from './chaos/campaign';

/** Small deterministic PRNG (mulberry32): a campaign is repeatable from its seed. */
function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function drawChaosSpec(random: () => number): ChaosRunSpec {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const spec: ChaosRunSpec = { redeliveries: 1 + Math.floor(random() * 3) };
  if (random() < 0.1) return { ...spec, race: true };
  if (random() < 0.8) {
    spec.killAt = pick(CHAOS_STEPS);
    if (spec.killAt.step.startsWith('write:')) spec.killDelayMs = Math.floor(random() * 40);
  }
  if (random() < 0.4) {
    spec.outageAt = pick(CHAOS_STEPS);
    spec.outageMs = 100 + Math.floor(random() * 1500);
  }
  return spec;
}

export async function runChaosCampaign(
  runs: number,
  seed: number,
  progress: (s: string) => void,
): Promise<ChaosRunResult[]> {
  const azurite = await startAzurite();
  const bench = await prepareChaosChild(azurite);
  const random = createRandom(seed);
  const results: ChaosRunResult[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const r = await runChaosRun(bench, drawChaosSpec(random), i);
      results.push(r);
      if (r.lost || r.duplicateWrites || r.falseApplied || r.falseHealed || r.raceAcknowledged)
        progress(`run ${i}: ${JSON.stringify(r)}`);
      if (i % 20 === 19) progress(`${i + 1} runs`);
    }
  } finally {
    bench.dispose();
    await azurite.stop();
  }
  return results;
}

export function summarizeChaos(results: readonly ChaosRunResult[]): string {
  const sum = (f: (r: ChaosRunResult) => number): number => results.reduce((n, r) => n + f(r), 0);
  // A redelivery acknowledged while the work was still in flight is an event Event Grid stops retrying: lost.
  const lost = sum((r) => (r.lost || r.raceAcknowledged ? 1 : 0));
  return `chaos: ${results.length} runs, lost ${lost}, duplicate writes ${sum((r) => r.duplicateWrites)}, false applied ${sum((r) => r.falseApplied)}, false healed ${sum((r) => r.falseHealed)}`;
}

if (require.main === module) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const runs = Number(arg('--runs') ?? 200);
  const seed = Number(arg('--seed') ?? Date.now() % 1e9);
  process.stderr.write(`chaos: ${runs} runs, seed ${seed}\n`);
  void runChaosCampaign(runs, seed, (s) => void process.stderr.write(`chaos: ${s}\n`)).then(
    (results) => {
      if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify({ seed, results })}\n`);
      process.stdout.write(`${summarizeChaos(results)}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`chaos: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
