/**
 * The chaos suite in CI (issue 13): remediator instances as separate OS processes (real SDK clients) against the ARM
 * emulator and Azurite, Table and Queue behind loopback proxies that can be switched off.
 * - SIGKILL at every named step of the pipeline and the heal (after each claim, during each ARM write, after each
 *   write before its record), then Event Grid's redelivery later than any lease;
 * - storage cut at a claim, after a write and during the heal check;
 * - the 30 s race: a redelivery while the first delivery still holds the work is not acknowledged;
 * - concurrent redeliveries after a crash.
 * After recovery: the failure is handled, exactly one of each write, no `applied` without the write in the emulator's
 * world, no `healed` without a running revision. (Dry-run then auto-fix, PrincipalNotFound then success and the poison
 * heal message run through the same pipeline in test/work.)
 */
import { CHAOS_STEPS, prepareChaosChild, runChaosRun, type ChaosBench } from '../../bench/chaos/campaign';
import { startAzurite, type RunningAzurite } from '../helpers/azurite';

jest.setTimeout(120_000);

let azurite: RunningAzurite;
let bench: ChaosBench;
beforeAll(async () => {
  azurite = await startAzurite();
  bench = await prepareChaosChild(azurite);
});
afterAll(async () => {
  bench?.dispose();
  await azurite?.stop();
});

let n = 0;
const clean = { lost: false, duplicateWrites: 0, falseApplied: 0, falseHealed: 0, raceAcknowledged: false };

it.each(CHAOS_STEPS.map((s) => [`${s.step}#${s.occurrence}`, s] as const))(
  'SIGKILL at %s, then redelivery: handled once, truthfully',
  async (_name, killAt) => {
    const r = await runChaosRun(
      bench,
      { killAt, redeliveries: 1, ...(killAt.step.startsWith('write:') ? { killDelayMs: 15 } : {}) },
      n++,
    );
    expect({ ...r, spec: undefined, detail: undefined }).toEqual({ ...clean, spec: undefined, detail: undefined });
  },
);

it.each([
  { step: 'fix-claimed:assign-role', occurrence: 1 },
  { step: 'written:assign-role', occurrence: 1 },
  { step: 'heal-claimed:check', occurrence: 1 },
])('storage cut at $step: handled once after the outage', async (outageAt) => {
  const r = await runChaosRun(bench, { outageAt, outageMs: 1500, redeliveries: 1 }, n++);
  expect({ ...r, spec: undefined, detail: undefined }).toEqual({ ...clean, spec: undefined, detail: undefined });
});

it('the redelivery race: a second delivery while the first holds the work is not acknowledged', async () => {
  const r = await runChaosRun(bench, { race: true, redeliveries: 1 }, n++);
  expect(r.detail).toMatch(/in progress|being worked on|retry later/); // the racer's transient answer
  expect({ ...r, spec: undefined, detail: undefined }).toEqual({ ...clean, spec: undefined, detail: undefined });
});

it('three concurrent redeliveries after a crash between the role write and its record: one of each write', async () => {
  const r = await runChaosRun(bench, { killAt: { step: 'written:assign-role', occurrence: 1 }, redeliveries: 3 }, n++);
  expect({ ...r, spec: undefined, detail: undefined }).toEqual({ ...clean, spec: undefined, detail: undefined });
});
