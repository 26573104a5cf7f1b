/**
 * The pipeline on work records (issue 13), against the ARM emulator (real SDK clients over HTTPS) and Azurite:
 * the same event twice in one delivery, a live lease elsewhere, dry-run then auto-fix, and a delivery that stops after
 * writing the role (before recording it) taken over by the redelivery, which carries out the stored plan.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startEmulator } from '../../emulator/server';
import { loadWorld } from '../../emulator/world';
import type { RunningEmulator } from '../../emulator/api';
import { diagnose } from '../../src/diagnose';
import { isTransientError } from '../../src/errors';
import { parseIncoming } from '../../src/intake';
import { startHarness, type Harness } from '../../src/local/harness';
import type { RemediatorMode } from '../../src/model';
import { processItems } from '../../src/pipeline';
import { planActions } from '../../src/remediate';
import { createWorkContext } from '../../src/work/work-context';
import { beginWork, readWork } from '../../src/work/work-store';
import { startAzurite, type RunningAzurite } from '../helpers/azurite';

const WORLDS = resolve(__dirname, '../worlds');
const EVENT = JSON.parse(readFileSync(resolve(WORLDS, 'seed-story.event.json'), 'utf8')) as Record<string, unknown>;

let azurite: RunningAzurite;
let emu: RunningEmulator;
const harnesses: Harness[] = [];
let table = 0;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});
beforeEach(async () => {
  emu = await startEmulator({ world: loadWorld(resolve(WORLDS, 'seed-story.json')), propagationDelayMs: 0 });
  table++;
});
afterEach(async () => {
  await Promise.allSettled(harnesses.splice(0).map((h) => h.stop()));
  await emu.stop();
});

/** A remediator instance on the shared emulator and Azurite, with this test's own tables. */
async function instance(mode: RemediatorMode, env: Record<string, string> = {}): Promise<Harness> {
  const h = await startHarness({
    world: emu.snapshot(),
    emulator: emu,
    storage: azurite,
    mode,
    env: {
      REMEDIATOR_CLAIMS_TABLE: `work${table}x${Date.now().toString(36)}`.slice(0, 40),
      REMEDIATOR_AUDIT_TABLE: `workaudit${table}`,
      REMEDIATOR_PROPAGATION_WINDOW_MINUTES: '0',
      ...env,
    },
  });
  harnesses.push(h);
  return h;
}

const roleCreates = (): number =>
  emu.requestLog.filter((r) => r.method === 'PUT' && /roleAssignments\/[^/]+$/i.test(r.path) && r.status === 201)
    .length;
const actionsOf = (o: { actions?: Array<{ type: string; status: string }> }): string[] =>
  (o.actions ?? []).map((a) => `${a.type}:${a.status}`);

it('the same event twice in one delivery: one copy does the work, the other answers duplicate with its outcome', async () => {
  const h = await instance('auto-fix');
  const outcomes = await h.settle(await h.deliver([EVENT, EVENT]));
  expect(outcomes.map((o) => o.status)).toEqual(['diagnosed', 'duplicate']);
  expect(actionsOf(outcomes[0] ?? {})).toEqual(['assign-role:applied', 'redeploy-revision:applied']);
  expect(outcomes[0]?.heal?.status).toBe('healed');
  expect(outcomes[1]?.reason).toContain('assign-role:applied');
  expect(roleCreates()).toBe(1);
});

it('a live lease held by another delivery is not acknowledged (transient); once completed, a delivery is a duplicate', async () => {
  const h = await instance('auto-fix');
  const id = String(EVENT['id']);
  const now = emu.clock.now().getTime();
  const other = await beginWork(h.store, 'event', id, {
    owner: 'other-host:1:abcd',
    eventId: id,
    nowMs: now,
    leaseUntilMs: now + 60_000,
  });
  if (other.kind !== 'acquired') throw new Error(`expected to hold the lease, got ${other.kind}`);
  const busy = await h.deliver(EVENT).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isTransientError(busy)).toBe(true);
  expect(roleCreates()).toBe(0);
  await other.lease.release();
  const [done] = await h.deliver(EVENT);
  expect(done?.status).toBe('diagnosed');
  const [again] = await h.deliver(EVENT);
  expect(again?.status).toBe('duplicate');
  expect(again?.reason).toContain('assign-role:applied');
  expect(roleCreates()).toBe(1);
});

it('dry-run then auto-fix: nothing the dry-run recorded blocks the auto-fix run', async () => {
  const dry = await instance('dry-run');
  const [seen] = await dry.deliver(EVENT);
  expect(actionsOf(seen ?? {})).toEqual(['assign-role:planned', 'redeploy-revision:planned']);
  expect(roleCreates()).toBe(0);
  const auto = await instance('auto-fix', { REMEDIATOR_CLAIMS_TABLE: dry.config.claimsTable });
  const [done] = await auto.settle(await auto.deliver(EVENT));
  expect(done?.status).toBe('diagnosed');
  expect(actionsOf(done ?? {})).toEqual(['assign-role:applied', 'redeploy-revision:applied']);
  expect(done?.heal?.status).toBe('healed');
  expect(roleCreates()).toBe(1);
});

it('a delivery that stops after writing the role, before recording it, is taken over: the stored plan is carried out once', async () => {
  const h = await instance('auto-fix');
  const [item] = parseIncoming(EVENT);
  if (item?.status !== 'accepted') throw new Error('event not accepted');
  const diagnosis = await diagnose(item.event, { arm: h.arm, clock: emu.clock, config: h.config, log: h.log });
  const fixKey = planActions(diagnosis, h.config).find((a) => a.type === 'assign-role')?.claimKey ?? '';
  // The first instance stops dead after the role PUT (a process that hangs there is, to storage, one that died).
  const work = createWorkContext(1500, (step) =>
    step === 'written:assign-role' ? new Promise<void>(() => {}) : undefined,
  );
  const first = await processItems(parseIncoming(EVENT), { ...h.deps, work }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isTransientError(first)).toBe(true); // the deadline: Event Grid redelivers
  expect(roleCreates()).toBe(1);
  expect((await readWork(h.store, 'fix', fixKey))?.state).toBe('in-progress'); // written, not recorded

  // The redelivery comes after the lease expired. The role is in effect by now: a fresh diagnosis would not say
  // missing-role; the story's stored plan is carried out instead (ARM re-read: no second assignment).
  emu.clock.advance(120_000);
  const [done] = await h.settle(await h.deliverWithRetries(EVENT));
  expect(done?.status).toBe('diagnosed');
  expect(done?.diagnosis?.kind).toBe('acr-pull/missing-role');
  expect(actionsOf(done ?? {})).toEqual(['assign-role:applied', 'redeploy-revision:applied']);
  expect(done?.actions?.[0]?.reason).toMatch(/written by an earlier attempt/);
  expect(done?.heal?.status).toBe('healed');
  expect(roleCreates()).toBe(1);
  const audit = await h.store.listAudit({ eventId: String(EVENT['id']) });
  const takeovers = audit.filter((a) => a.stage === 'takeover');
  expect(takeovers.map((a) => a.detail['unit'] ?? a.detail['claimKey'])).toEqual(
    expect.arrayContaining(['event', 'story']),
  );
  expect(takeovers.find((a) => a.detail['unit'] === 'story')?.detail['plan']).toBe('reused');
});
