/**
 * The hourly fix budget under real ETag contention (issue 13): many fixes of different failures take their unit of
 * the same counter in Azurite at once. The unit is taken BEFORE the fix is claimed, so a counter that gives up under
 * contention (transient: the delivery is retried) or a refusal (budget exhausted) leaves no fix claimed, and no fix
 * is ever written without its unit. Guard facts are read from the ARM emulator through the real SDK clients.
 */
import type { RunningEmulator } from '../../emulator/api';
import { createTableStore } from '../../src/adapters/table-store';
import { diagnose } from '../../src/diagnose';
import { describeError, isTransientError } from '../../src/errors';
import { parseIncoming } from '../../src/intake';
import type { Harness } from '../../src/local/harness';
import type { FixAction } from '../../src/model';
import { planActions } from '../../src/remediate';
import { BUDGET_PARTITION, createBudgetHourKey } from '../../src/remediate/ids';
import { guardAndWrite, type RemediateDeps } from '../../src/remediate/write';
import type { StateStore } from '../../src/store/port';
import { readWork } from '../../src/work/work-store';
import { startAzurite, type RunningAzurite } from '../helpers/azurite';
import { seedStoryEvent, startSeedInstance, type SeedInstance } from '../helpers/seed-instance';

jest.setTimeout(120_000);

const FIXES = 24;

let azurite: RunningAzurite;
let seed: SeedInstance;
let emu: RunningEmulator;
let h: Harness;
let redeploy: FixAction;
let appId: string;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});
beforeEach(async () => {
  seed = await startSeedInstance(azurite, { REMEDIATOR_FIX_BUDGET_PER_HOUR: '10' });
  ({ emu, h } = seed);
  const [item] = parseIncoming(seedStoryEvent());
  if (item?.status !== 'accepted') throw new Error('event not accepted');
  const diagnosis = await diagnose(item.event, { arm: h.arm, clock: emu.clock, config: h.config, log: h.log });
  appId = diagnosis.details.appId ?? diagnosis.resourceId;
  const planned = planActions(diagnosis, h.config).find((a) => a.type === 'redeploy-revision');
  if (!planned || planned.status === 'manual') throw new Error('no redeploy planned');
  redeploy = planned;
});
afterEach(async () => {
  await seed?.stop();
});

/** The same store tables through a client whose counter gives up after `attempts` ETag conflicts. */
function storeWithCounterAttempts(attempts: number): Promise<StateStore> {
  return createTableStore({
    connection: { connectionString: azurite.connectionString },
    claimsTable: h.config.claimsTable,
    auditTable: h.config.auditTable,
    clock: emu.clock,
    maxCounterAttempts: attempts,
  });
}

/** The store as one delivery sees it, noting the order of its budget and fix-claim writes. */
function watched(store: StateStore, ops: string[]): StateStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (prop === 'increment') ops.push(`budget ${typeof args[2] === 'number' ? args[2] : 1}`);
        if ((prop === 'create' || prop === 'replaceIf') && args[0] === 'work:fix') ops.push('claim');
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Distinct fixes (one per failure) taken at once; the write reads the app from ARM and is counted. */
async function runFixes(keys: readonly string[], deps: RemediateDeps, written: Map<string, number>) {
  const ops = keys.map((): string[] => []);
  const settled = await Promise.allSettled(
    keys.map((claimKey, i) =>
      guardAndWrite(
        { ...redeploy, claimKey },
        { eventId: `budget-${i}`, appId },
        { ...deps, store: watched(deps.store, ops[i] as string[]) },
        async () => {
          await h.arm.getContainerApp(appId);
          written.set(claimKey, (written.get(claimKey) ?? 0) + 1);
          return { reason: `written for ${claimKey}` };
        },
      ),
    ),
  );
  return settled.map((s, i) => ({ s, ops: ops[i] as string[] }));
}

const counter = (store: StateStore): Promise<number> =>
  store.readCounter(BUDGET_PARTITION, createBudgetHourKey(emu.clock.now()));

it('a counter that gives up under contention is transient and leaves no fix claimed; retried, every fix gets its unit once', async () => {
  const store = await storeWithCounterAttempts(1);
  const deps: RemediateDeps = { ...h.deps, store, config: { ...h.config, fixBudgetPerHour: 1000 } };
  const keys = Array.from({ length: FIXES }, (_, i) => `${redeploy.claimKey ?? 'redeploy'}|failure-${i}`);
  const written = new Map<string, number>();
  let pending = [...keys];
  let gaveUp = 0;
  for (let round = 0; pending.length > 0 && round < 60; round++) {
    const settled = await runFixes(pending, deps, written);
    const next: string[] = [];
    for (const [i, { s, ops }] of settled.entries()) {
      const key = pending[i] as string;
      if (s.status === 'fulfilled') {
        expect(s.value.action.status).toBe('applied');
        expect(ops).toEqual(['budget 1', 'claim', 'claim']); // the unit, then the claim (taken, then completed)
        expect((await readWork(store, 'fix', key))?.state).toBe('completed');
        continue;
      }
      // Gave up before the claim: transient, and nothing holds the fix (the retry starts clean).
      expect(isTransientError(s.reason)).toBe(true);
      expect(describeError(s.reason).code).toBe('counter-contention');
      expect(await readWork(store, 'fix', key)).toBeUndefined();
      expect(ops).toEqual(['budget 1']); // never claimed
      gaveUp++;
      next.push(key);
    }
    pending = next;
  }
  expect(pending).toEqual([]);
  expect(gaveUp).toBeGreaterThan(0); // the contention was real
  expect([...written.values()]).toEqual(keys.map(() => 1));
  expect(await counter(store)).toBe(FIXES);
});

it('contention for the last units of the budget: exactly the budget is written, the rest blocked with nothing claimed', async () => {
  const store = await storeWithCounterAttempts(200);
  const deps: RemediateDeps = { ...h.deps, store };
  const keys = Array.from({ length: FIXES }, (_, i) => `${redeploy.claimKey ?? 'redeploy'}|last-${i}`);
  const written = new Map<string, number>();
  const settled = await runFixes(keys, deps, written);
  const statuses = settled.map(({ s }) => (s.status === 'fulfilled' ? s.value.action.status : 'rejected'));
  expect(statuses.filter((s) => s === 'applied')).toHaveLength(10);
  expect(statuses.filter((s) => s === 'blocked')).toHaveLength(FIXES - 10);
  for (const [i, { s, ops }] of settled.entries()) {
    const key = keys[i] as string;
    if (s.status === 'fulfilled' && s.value.action.status === 'blocked') {
      expect(ops).toEqual(['budget 1', 'budget -1']); // the unit given back; the fix never claimed
      expect(s.value.action.reason).toMatch(/fix budget exhausted/);
      expect(await readWork(store, 'fix', key)).toBeUndefined();
      expect(written.has(key)).toBe(false);
    }
  }
  expect(written.size).toBe(10);
  expect(await counter(store)).toBe(10);
});
