/**
 * `npm run chaos`: a randomized campaign (random kill step and in-flight delay, random storage outage window and step,
 * 1–3 concurrent redeliveries, some redelivery races, dry-run first, fresh identities answered PrincipalNotFound, poison
 * heal messages) against the ARM emulator and Azurite, each remediator its own OS process (real SDK clients). Last line: `chaos: R runs, lost L, duplicate writes D, false applied A, false healed H`.
 * `--runs N` (default 200), `--seed S` (repeatable), `--concurrency C` (runs at once, default 2), `--json` (every
 * run's result on stdout before the last line).
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
  if (random() < 0.1) spec.race = true;
  else if (random() < 0.8) {
    spec.killAt = pick(CHAOS_STEPS);
    if (spec.killAt.step.startsWith('write:')) spec.killDelayMs = Math.floor(random() * 40);
  }
  if (random() < 0.4) {
    spec.outageAt = pick(CHAOS_STEPS);
    spec.outageMs = 100 + Math.floor(random() * 1500);
  }
  // The scenarios, mixed into the kills and outages: dry-run first, a fresh identity, a poison heal message.
  if (random() < 0.1) spec.dryRunFirst = true;
  if (random() < 0.1) spec.principalNotFound = true;
  if (random() < 0.05) spec.poison = true;
  return spec;
}

export interface ChaosCampaign {
  seed: number;
  /** Runs at once (each its own emulator, proxies, tables and queues; one Azurite). */
  concurrency: number;
  wallMs: number;
  results: ChaosRunResult[];
}

/** `runs` randomized runs drawn from `seed` (the same runs whatever the concurrency). */
export async function runChaosCampaign(
  runs: number,
  seed: number,
  progress: (s: string) => void,
  opts: { concurrency?: number } = {},
): Promise<ChaosCampaign> {
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  const started = performance.now();
  const random = createRandom(seed);
  const specs = Array.from({ length: runs }, () => drawChaosSpec(random));
  const azurite = await startAzurite();
  const results: ChaosRunResult[] = [];
  try {
    const bench = await prepareChaosChild(azurite, { warm: 2 + concurrency });
    try {
      let next = 0;
      let done = 0;
      const work = async (): Promise<void> => {
        for (let i = next++; i < runs; i = next++) {
          const r = await runChaosRun(bench, specs[i] as ChaosRunSpec, i);
          results[i] = r;
          if (r.lost || r.duplicateWrites || r.falseApplied || r.falseHealed || r.raceAcknowledged || r.unmet.length)
            progress(`run ${i}: ${JSON.stringify(r)}`);
          if (++done % 20 === 0) progress(`${done} runs, ${Math.round((performance.now() - started) / 1000)} s`);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, work));
    } finally {
      await bench.dispose();
    }
  } finally {
    await azurite.stop();
  }
  return { seed, concurrency, wallMs: Math.round(performance.now() - started), results };
}

export interface ChaosCounts {
  runs: number;
  lost: number;
  duplicateWrites: number;
  falseApplied: number;
  falseHealed: number;
  /** Runs where a scenario's own expectation failed (dry-run wrote, poison not abandoned once, ...). */
  unmet: number;
}

export function countChaos(results: readonly ChaosRunResult[]): ChaosCounts {
  const sum = (f: (r: ChaosRunResult) => number): number => results.reduce((n, r) => n + f(r), 0);
  return {
    runs: results.length,
    // A redelivery acknowledged while the work was still in flight is an event Event Grid stops retrying: lost.
    lost: sum((r) => (r.lost || r.raceAcknowledged ? 1 : 0)),
    duplicateWrites: sum((r) => r.duplicateWrites),
    falseApplied: sum((r) => r.falseApplied),
    falseHealed: sum((r) => r.falseHealed),
    unmet: sum((r) => (r.unmet.length > 0 ? 1 : 0)),
  };
}

/** The campaign's last line (a failed scenario check, if any, is named at its end). */
export function summarizeChaos(results: readonly ChaosRunResult[]): string {
  const c = countChaos(results);
  const unmet = c.unmet > 0 ? `, scenario checks failed ${c.unmet}` : '';
  return `chaos: ${c.runs} runs, lost ${c.lost}, duplicate writes ${c.duplicateWrites}, false applied ${c.falseApplied}, false healed ${c.falseHealed}${unmet}`;
}

if (require.main === module) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const runs = Number(arg('--runs') ?? 200);
  const seed = Number(arg('--seed') ?? Date.now() % 1e9);
  const concurrency = Number(arg('--concurrency') ?? 2);
  process.stderr.write(`chaos: ${runs} runs, seed ${seed}, ${concurrency} at once\n`);
  void runChaosCampaign(runs, seed, (s) => void process.stderr.write(`chaos: ${s}\n`), { concurrency }).then(
    (campaign) => {
      process.stderr.write(`chaos: ${Math.round(campaign.wallMs / 1000)} s\n`);
      if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(campaign)}\n`);
      process.stdout.write(`${summarizeChaos(campaign.results)}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`chaos: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
