/**
 * The invocation deadline (issue 13): a delivery whose ARM write stalls past REMEDIATOR_INVOCATION_DEADLINE_SECONDS
 * gives its leases back (as taken-over-able: a write may be in flight) and throws for retry, so the redelivery takes
 * the work at once instead of waiting for the leases to expire, re-reads ARM, and the fix exists once. Against the
 * ARM emulator (a latency fault on the role write, real SDK clients over HTTPS) and Azurite.
 */
import type { RunningEmulator } from '../../emulator/api';
import { describeError, isTransientError } from '../../src/errors';
import type { Harness } from '../../src/local/harness';
import { readWork } from '../../src/work/work-store';
import { startAzurite, type RunningAzurite } from '../helpers/azurite';
import { seedStoryEvent, startSeedInstance, type SeedInstance } from '../helpers/seed-instance';

jest.setTimeout(90_000);

const EVENT = seedStoryEvent();
const STALL_MS = 6000;

let azurite: RunningAzurite;
let seed: SeedInstance;
let emu: RunningEmulator;
let h: Harness;

beforeAll(async () => {
  azurite = await startAzurite();
  seed = await startSeedInstance(azurite, { REMEDIATOR_INVOCATION_DEADLINE_SECONDS: '2' });
  ({ emu, h } = seed);
});
afterAll(async () => {
  await seed?.stop();
  await azurite?.stop();
});

const rolePuts = () => emu.requestLog.filter((r) => r.method === 'PUT' && /roleAssignments\/[^/]+$/i.test(r.path));
const assignments = () => emu.snapshot().resources.filter((r) => /roleAssignments\//i.test(r.id));

it('a role write stalled past the deadline: leases given back at once, the redelivery takes over, one assignment', async () => {
  const before = assignments().length;
  emu.addFault({ method: 'PUT', path: 'roleAssignments', kind: 'latency', ms: STALL_MS, times: 1 });
  const started = Date.now();
  const err = await h.deliver(EVENT).then(
    () => undefined,
    (e: unknown) => e,
  );
  const tookMs = Date.now() - started;
  expect(isTransientError(err)).toBe(true);
  expect(describeError(err).code).toBe('deadline-exceeded');
  expect(tookMs).toBeLessThan(STALL_MS); // answered at the deadline, not when the write came back

  // Nothing is left live: the event, its story and the fix are in-progress with an expired lease (a write may be in
  // flight), so the redelivery takes them over now (the emulator clock has not moved) and re-reads ARM first.
  const id = String(EVENT['id']);
  const event = await readWork(h.store, 'event', id);
  expect(event?.state).toBe('in-progress');
  if (event?.state !== 'in-progress') throw new Error('no event record');
  expect(Date.parse(event.lease.expiresAt)).toBeLessThanOrEqual(emu.clock.now().getTime());
  expect(event.releasedAt).toBeDefined();

  const [done] = await h.settle(await h.deliver(EVENT));
  expect(done?.status).toBe('diagnosed');
  expect(done?.actions?.map((a) => `${a.type}:${a.status}`)).toEqual([
    'assign-role:applied',
    'redeploy-revision:applied',
  ]);
  expect(done?.heal?.status).toBe('healed');
  const audit = await h.store.listAudit({ eventId: id });
  const takeovers = audit.filter((a) => a.stage === 'takeover');
  expect(takeovers.length).toBeGreaterThanOrEqual(3); // event, story and the fix
  expect(takeovers.map((a) => a.detail['unit'] ?? a.detail['claimKey'])).toEqual(
    expect.arrayContaining(['event', 'story']),
  );

  // The stalled write lands too (same deterministic assignment name): still one assignment.
  const deadlineAt = started + STALL_MS + 2000;
  while (rolePuts().length < 2 && Date.now() < deadlineAt) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  expect(assignments().length).toBe(before + 1);
});
