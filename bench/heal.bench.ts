/**
 * Time to heal after a role grant, against the ARM emulator whose role assignments take effect after a propagation
 * delay (emulator time; the emulator's clock is advanced by the heal scheduler, nothing sleeps). For each delay, one
 * remediator (one store) heals the same failure in `heals` apps of one tenant, one after another, through the whole
 * pipeline and the real SDK adapter:
 *   overshoot       time from the grant to the healed revision minus the propagation delay (how long after Azure
 *                   allowed it the app ran again); median over the heals, and the first heal alone (nothing learned)
 *   failedAttempts  redeploy attempts that failed before the one that ran (worst heal)
 * The same with REMEDIATOR_HEAL_SCHEDULE=fixed-window (the old behaviour) for comparison, and with propagation drawn
 * per assignment from a lognormal distribution (median 2 min).
 * Run alone: `npx tsx bench/heal.bench.ts`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { PropagationModel } from '../emulator/api';
import { startEmulator } from '../emulator/server';
import { drawPropagationDelayMs } from '../emulator/state/propagation';
import { loadWorld } from '../emulator/world';
import { createSdkArmPort } from '../src/adapters/sdk-arm';
import { loadConfig } from '../src/config';
import { parseIncoming } from '../src/intake';
import { processItems } from '../src/pipeline';
import { ClockedScheduler } from '../src/remediate';
import { createMemoryStore } from '../src/store/memory-store';
import { staticCredential } from '../test/helpers/emulator';
import { buildAppCopiesWorld, buildAppCopyEvent } from '../test/worlds/app-copies';
import { median, round } from './util';

const WORLDS = join(__dirname, '..', 'test', 'worlds');
const MIN = 60_000;

export interface HealRun {
  label: string;
  /** Seconds from the moment Azure allowed the pull to the healed revision, per heal in order. */
  overshootS: number[];
  failedAttempts: number[];
  medianOvershootS: number;
  maxFailedAttempts: number;
  healed: number;
  /** Heals that ended otherwise (e.g. the fixed window shorter than the propagation: still-failing). */
  notHealed: string[];
}

export interface HealBenchResult {
  delays: HealRun[];
  fixedWindow: HealRun[];
  lognormal: HealRun;
}

async function runHeals(
  label: string,
  propagation: PropagationModel,
  heals: number,
  env: Record<string, string> = {},
): Promise<HealRun> {
  const base = loadWorld(join(WORLDS, 'missing-role.json'));
  const baseEvent = JSON.parse(readFileSync(join(WORLDS, 'missing-role.event.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const emulator = await startEmulator({ world: buildAppCopiesWorld(base, heals), propagation });
  try {
    const log = pino({ level: 'silent' });
    const config = loadConfig({ REMEDIATOR_MODE: 'auto-fix', ARM_ENDPOINT: emulator.endpoint, ...env });
    const arm = createSdkArmPort({
      endpoint: emulator.endpoint,
      credential: staticCredential,
      tlsCa: emulator.ca,
      clock: emulator.clock,
      log,
      retryOptions: { maxRetries: 0 },
    });
    const scheduler = new ClockedScheduler(emulator.clock);
    const deps = { arm, store: createMemoryStore(), scheduler, clock: emulator.clock, config, log };
    const overshootS: number[] = [];
    const failedAttempts: number[] = [];
    const notHealed: string[] = [];
    for (let i = 1; i <= heals; i++) {
      const items = parseIncoming([buildAppCopyEvent(baseEvent, i, emulator.clock.now())]);
      const [outcome] = await processItems(items, deps);
      if (outcome?.status !== 'diagnosed') throw new Error(`heal ${i}: ${JSON.stringify(outcome)}`);
      const grant = outcome.actions.find((a) => a.type === 'assign-role' && a.status === 'applied');
      if (!grant) throw new Error(`heal ${i}: no grant: ${JSON.stringify(outcome.actions)}`);
      // The assignment as ARM has it: when it was created, and the delay the emulator drew for it.
      const assignment = emulator
        .snapshot()
        .resources.find(
          (r) =>
            /roleAssignments/i.test(r.type) &&
            String((r.properties as Record<string, unknown> | undefined)?.['principalId']) === grant.principalId,
        );
      const createdOn = (assignment?.properties as Record<string, unknown> | undefined)?.['createdOn'];
      if (!assignment || typeof createdOn !== 'string') throw new Error(`heal ${i}: the assignment is not in ARM`);
      const grantedAtMs = Date.parse(createdOn);
      const delayMs = drawPropagationDelayMs(propagation, assignment.id);
      const runs = await scheduler.runDue((ms) => emulator.clock.advance(ms), deps);
      const final = runs[runs.length - 1];
      if (!final) throw new Error(`heal ${i}: no heal step ran`);
      failedAttempts.push((final.result.attempts ?? 1) - (final.result.status === 'healed' ? 1 : 0));
      if (final.result.status === 'healed')
        overshootS.push(round((Date.parse(final.at) - grantedAtMs - delayMs) / 1000, 1));
      else notHealed.push(`heal ${i}: ${final.result.status}`);
      emulator.clock.advance(30 * MIN); // the next failure, later
    }
    return {
      label,
      overshootS,
      failedAttempts,
      medianOvershootS: overshootS.length > 0 ? median(overshootS) : NaN,
      maxFailedAttempts: Math.max(...failedAttempts),
      healed: overshootS.length,
      notHealed,
    };
  } finally {
    await emulator.stop();
  }
}

export async function runHealBench(opts: { heals?: number } = {}): Promise<HealBenchResult> {
  const heals = opts.heals ?? 5;
  const delays: HealRun[] = [];
  const fixedWindow: HealRun[] = [];
  for (const minutes of [0.5, 2, 5, 10, 15]) {
    const model: PropagationModel = { distribution: 'fixed', delayMs: minutes * MIN };
    delays.push(await runHeals(`${minutes} min`, model, heals));
    fixedWindow.push(await runHeals(`${minutes} min`, model, 1, { REMEDIATOR_HEAL_SCHEDULE: 'fixed-window' }));
  }
  const lognormal = await runHeals(
    'lognormal, median 2 min, sigma 0.6',
    { distribution: 'lognormal', medianMs: 2 * MIN, sigma: 0.6, seed: 'bench' },
    15,
  );
  return { delays, fixedWindow, lognormal };
}

if (require.main === module) {
  runHealBench()
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
