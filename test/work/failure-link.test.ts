/**
 * A later event of a failure whose story already changed the world (issue 13): it is tied to that story by the
 * failure's key (the app and the ARM operation's correlation id, recorded with the story before its first write) and
 * answers as part of it, instead of reading the fixed world as `unknown` and becoming a story and a message of its
 * own. Against the ARM emulator (real SDK clients over HTTPS) and Azurite.
 */
import { diagnose } from '../../src/diagnose';
import { isTransientError } from '../../src/errors';
import { parseIncoming } from '../../src/intake';
import type { Harness } from '../../src/local/harness';
import type { FailureEvent, Outcome } from '../../src/model';
import { processItems } from '../../src/pipeline';
import { createWorkContext } from '../../src/work/work-context';
import { startAzurite, type RunningAzurite } from '../helpers/azurite';
import { seedStoryEvent as eventWithId, startSeedInstance, type SeedInstance } from '../helpers/seed-instance';

let azurite: RunningAzurite;
let seed: SeedInstance | undefined;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});
afterEach(async () => {
  await seed?.stop();
  seed = undefined;
});

async function instance(): Promise<Harness> {
  seed = await startSeedInstance(azurite);
  return seed.h;
}

const emuOf = (): SeedInstance['emu'] => {
  if (!seed) throw new Error('no instance');
  return seed.emu;
};
const writes = (): number => emuOf().requestLog.filter((r) => r.write).length;
const actionsOf = (o: Outcome | undefined): string[] => (o?.actions ?? []).map((a) => `${a.type}:${a.status}`);
const acceptedEvent = (payload: unknown): FailureEvent => {
  const [item] = parseIncoming(payload);
  if (item?.status !== 'accepted') throw new Error('event not accepted');
  return item.event;
};

it('the second event of a failure, arriving after the first one fixed and healed it, is a duplicate of that story', async () => {
  const h = await instance();
  const [first] = await h.settle(await h.deliver(eventWithId('late-a')));
  expect(first?.status).toBe('diagnosed');
  expect(actionsOf(first)).toEqual(['assign-role:applied', 'redeploy-revision:applied']);
  expect(first?.heal?.status).toBe('healed');
  const writesAfterFix = writes();
  // The world is fixed: diagnosed afresh, the same failure now reads as something else (the defect's trigger).
  const fresh = await diagnose(acceptedEvent(eventWithId('late-b')), {
    arm: h.arm,
    clock: emuOf().clock,
    config: h.config,
    log: h.log,
  });
  expect(fresh.kind).not.toBe(first?.diagnosis?.kind);

  const armCalls = emuOf().requestLog.length;
  const [second] = await h.deliver(eventWithId('late-b'));
  expect(emuOf().requestLog.length).toBe(armCalls); // answered from the story: not even diagnosed
  expect(second?.status).toBe('duplicate');
  expect(second?.reason).toContain('late-a');
  expect(second?.reason).toContain('assign-role:applied, redeploy-revision:applied');
  expect(writes()).toBe(writesAfterFix);
  // Its redelivery answers the same; the audit has one story, and late-b's line says whose it is.
  const [again] = await h.deliver(eventWithId('late-b'));
  expect(again?.status).toBe('duplicate');
  expect(again?.reason).toContain('assign-role:applied, redeploy-revision:applied');
  const audit = await h.store.listAudit();
  const stories = audit.filter((a) => a.stage === 'diagnosed' && a.status === 'diagnosed');
  expect(stories.map((a) => a.eventId)).toEqual(['late-a']);
  const tied = audit.find((a) => a.eventId === 'late-b' && a.stage === 'diagnosed');
  expect(tied?.status).toBe('duplicate');
  expect(tied?.detail['handledBy']).toBe('late-a');
});

it('a later event while the story is mid-fix elsewhere is not acknowledged (transient), then a duplicate of it', async () => {
  const h = await instance();
  // The first delivery stops just before its role write (the failure's link is written by then) until let go.
  let letGo: () => void = () => undefined;
  let reached: () => void = () => undefined;
  const paused = new Promise<void>((r) => (reached = r));
  const held = new Promise<void>((r) => (letGo = r));
  const work = createWorkContext(20_000, (step) => {
    if (step !== 'write:assign-role') return undefined;
    reached();
    return held;
  });
  const first = processItems(parseIncoming(eventWithId('mid-a')), { ...h.deps, work });
  await paused;
  const busy = await h.deliver(eventWithId('mid-b')).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isTransientError(busy)).toBe(true);
  expect(writes()).toBe(0);
  letGo();
  const [done] = await h.settle(await first);
  expect(actionsOf(done)).toEqual(['assign-role:applied', 'redeploy-revision:applied']);
  expect(done?.heal?.status).toBe('healed');
  const [later] = await h.deliver(eventWithId('mid-b'));
  expect(later?.status).toBe('duplicate');
  expect(later?.reason).toContain('handled by event mid-a');
  expect(later?.reason).toContain('assign-role:applied, redeploy-revision:applied');
  const stories = (await h.store.listAudit()).filter((a) => a.stage === 'diagnosed' && a.status === 'diagnosed');
  expect(stories.map((a) => a.eventId)).toEqual(['mid-a']);
});

it('two events of the failure in one delivery: one story, the other answers as part of it', async () => {
  const h = await instance();
  const outcomes = await h.settle(await h.deliver([eventWithId('pair-a'), eventWithId('pair-b')]));
  expect(outcomes.map((o) => o.status).sort()).toEqual(['diagnosed', 'duplicate']);
  const dup = outcomes.find((o) => o.status === 'duplicate');
  expect(dup?.reason).toContain('assign-role:applied, redeploy-revision:applied');
  expect(emuOf().requestLog.filter((r) => r.write)).toHaveLength(2);
});
