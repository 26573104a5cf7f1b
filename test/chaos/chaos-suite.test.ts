/**
 * The chaos suite in CI (issue 13): remediator instances as separate OS processes (real SDK clients) against the ARM
 * emulator and Azurite, Table and Queue behind loopback proxies that can be switched off.
 * - SIGKILL at every named step of the pipeline and the heal (after each claim, during each ARM write, after each
 *   write before its record), then Event Grid's redelivery later than any lease;
 * - storage cut (Table and Queue) at every one of the same steps, for 1.5 s;
 * - the 30 s race: a redelivery while the first delivery still holds the work is not acknowledged;
 * - concurrent redeliveries after a crash;
 * - dry-run, then auto-fix (the mode switched, the same event redelivered);
 * - PrincipalNotFound (a fresh identity the directory knows only later), then success;
 * - a poison heal message (ARM out for all 5 deliveries of the health check), read by the `healPoison` handler.
 * After recovery: the failure is handled, exactly one of each write, no `applied` without the write in the emulator's
 * world, no `healed` without a running revision, and each scenario's own expectations (`unmet` empty).
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
  await bench?.dispose();
  await azurite?.stop();
});

let n = 0;
const clean = {
  lost: false,
  duplicateWrites: 0,
  falseApplied: 0,
  falseHealed: 0,
  raceAcknowledged: false,
  unmet: [],
};

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

it.each(CHAOS_STEPS.map((s) => [`${s.step}#${s.occurrence}`, s] as const))(
  'storage cut (Table and Queue) at %s: handled once after the outage',
  async (_name, outageAt) => {
    const r = await runChaosRun(bench, { outageAt, outageMs: 1500, redeliveries: 1 }, n++);
    expect({ ...r, spec: undefined, detail: undefined }).toEqual({ ...clean, spec: undefined, detail: undefined });
  },
);

it('the redelivery race: a second delivery while the first holds the work is not acknowledged', async () => {
  const r = await runChaosRun(bench, { race: true, redeliveries: 1 }, n++);
  expect(r.detail).toMatch(/in progress|being worked on|retry later/); // the racer's transient answer
  expect({ ...r, spec: undefined, detail: undefined }).toEqual({ ...clean, spec: undefined, detail: undefined });
});

it('three concurrent redeliveries after a crash between the role write and its record: one of each write', async () => {
  const r = await runChaosRun(bench, { killAt: { step: 'written:assign-role', occurrence: 1 }, redeliveries: 3 }, n++);
  expect({ ...r, spec: undefined, detail: undefined }).toEqual({ ...clean, spec: undefined, detail: undefined });
});

it('dry-run, then the mode switched to auto-fix and the same event redelivered: planned without a write, then acted on once', async () => {
  const r = await runChaosRun(bench, { dryRunFirst: true, redeliveries: 1 }, n++);
  expect(r.detail).toMatch(/diagnosed\[assign-role:applied,redeploy-revision:applied\]/);
  expect({ ...r, spec: undefined, detail: undefined }).toEqual({ ...clean, spec: undefined, detail: undefined });
});

it('PrincipalNotFound for a fresh identity, then success: answered as a retry until replicated, then one assignment', async () => {
  const r = await runChaosRun(bench, { principalNotFound: true, redeliveries: 1 }, n++);
  expect(r.detail).toMatch(/assign-role failed transiently: Principal \w+ does not exist in the directory/);
  expect(r.detail).toMatch(/diagnosed\[assign-role:applied,redeploy-revision:applied\]/);
  expect({ ...r, spec: undefined, detail: undefined }).toEqual({ ...clean, spec: undefined, detail: undefined });
});

it('a poison heal message (ARM out for its 5 deliveries): abandoned in the audit once, told once, no work left open', async () => {
  const r = await runChaosRun(bench, { poison: true, redeliveries: 1 }, n++);
  expect(r.detail).toMatch(/heal steps [^;]*abandoned/);
  expect({ ...r, spec: undefined, detail: undefined }).toEqual({ ...clean, spec: undefined, detail: undefined });
});
