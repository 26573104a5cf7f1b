/** The work record state machine: the pure transitions, then the ETag-checked store half on memory and Azurite. */
import { isTransientError } from '../../src/errors';
import { createMemoryStore } from '../../src/store/memory-store';
import { createTableStore } from '../../src/adapters/table-store';
import type { StateStore } from '../../src/store/port';
import {
  beginWork,
  decideBegin,
  readWork,
  readWorkRecord,
  toWorkValue,
  type WorkRecord,
} from '../../src/work/work-store';
import { beginUnit, createWorkContext } from '../../src/work/work-context';
import { startAzurite, type RunningAzurite } from '../helpers/azurite';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const req = (owner: string, nowMs = T0, extra: object = {}) => ({
  owner,
  eventId: `ev-${owner}`,
  nowMs,
  leaseUntilMs: nowMs + 30_000,
  ...extra,
});

describe('decideBegin (pure)', () => {
  it('nothing stored: acquire, attempt 1', () => {
    const d = decideBegin(undefined, req('a'));
    expect(d.kind).toBe('acquire');
    expect(d.record).toMatchObject({ state: 'in-progress', attempt: 1, lease: { owner: 'a' } });
  });
  it('a live lease is busy; an expired one is taken over (attempt + 1, takenOverFrom)', () => {
    const held = decideBegin(undefined, req('a')).record;
    expect(decideBegin(held, req('b', T0 + 29_999)).kind).toBe('busy');
    const d = decideBegin(held, req('b', T0 + 30_000));
    expect(d).toMatchObject({ kind: 'acquire', record: { attempt: 2, takenOverFrom: 'a' }, previous: held });
  });
  it('only completed is a duplicate; failed waits for retryAfter; scheduled only for takeScheduled', () => {
    const completed: WorkRecord = { state: 'completed', eventId: 'e', at: '', attempt: 1, outcome: { status: 'x' } };
    expect(decideBegin(completed, req('b', T0 + 1e9)).kind).toBe('completed');
    const failed: WorkRecord = {
      state: 'failed',
      eventId: 'e',
      at: '',
      attempt: 1,
      reason: 'boom',
      retryAfter: new Date(T0 + 60_000).toISOString(),
    };
    expect(decideBegin(failed, req('b', T0)).kind).toBe('failed');
    expect(decideBegin(failed, req('b', T0 + 60_000))).toMatchObject({ kind: 'acquire', record: { attempt: 2 } });
    const scheduled: WorkRecord = { state: 'scheduled', eventId: 'e', at: '', attempt: 1, outcome: { r: 'x' } };
    expect(decideBegin(scheduled, req('b')).kind).toBe('scheduled');
    expect(decideBegin(scheduled, req('b', T0, { takeScheduled: true }))).toMatchObject({
      kind: 'acquire',
      record: { outcome: { r: 'x' } },
    });
  });
  it('round-trips through the stored JSON; garbage is no record', () => {
    const r = decideBegin(undefined, req('a')).record;
    expect(readWorkRecord(toWorkValue(r))).toEqual(r);
    expect(readWorkRecord({ state: 'claimed' })).toBeUndefined();
    expect(readWorkRecord({ state: 'in-progress' })).toBeUndefined();
  });
});

function describeWorkStore(name: string, open: () => Promise<StateStore>): void {
  describe(`beginWork over ${name}`, () => {
    let store: StateStore;
    let n = 0;
    const key = (): string => `/subscriptions/s/x|${name}#${++n}-${Math.random().toString(36).slice(2, 8)}`;
    beforeAll(async () => {
      store = await open();
    });

    it('20 concurrent takers: one acquires, the rest see a live lease', async () => {
      const k = key();
      const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => beginWork(store, 'fix', k, req(`o${i}`))));
      expect(rs.filter((r) => r.kind === 'acquired')).toHaveLength(1);
      expect(rs.filter((r) => r.kind === 'busy')).toHaveLength(19);
    });

    it('complete → duplicate with the outcome; a stale owner cannot overwrite after a takeover', async () => {
      const k = key();
      const a = await beginWork(store, 'event', k, req('a'));
      if (a.kind !== 'acquired') throw new Error(a.kind);
      const b = await beginWork(store, 'event', k, req('b', T0 + 31_000));
      if (b.kind !== 'acquired') throw new Error(b.kind);
      expect(b.previous).toMatchObject({ state: 'in-progress', lease: { owner: 'a' } });
      await expect(a.lease.complete({ status: 'late' }, T0 + 32_000)).rejects.toMatchObject({ code: 'lease-lost' });
      await expect(a.lease.release()).resolves.toBeUndefined(); // the stale owner's release removes nothing
      await b.lease.complete({ status: 'diagnosed' }, T0 + 33_000);
      const c = await beginWork(store, 'event', k, req('c', T0 + 1e9));
      expect(c).toMatchObject({ kind: 'completed', record: { outcome: { status: 'diagnosed' }, attempt: 2 } });
    });

    it('fail carries retryAfter; release frees the unit; a released scheduled unit stays scheduled', async () => {
      const k = key();
      const a = await beginWork(store, 'fix', k, req('a'));
      if (a.kind !== 'acquired') throw new Error(a.kind);
      await a.lease.fail('PrincipalNotFound', T0, 60_000);
      expect((await beginWork(store, 'fix', k, req('b', T0 + 1000))).kind).toBe('failed');
      const b = await beginWork(store, 'fix', k, req('b', T0 + 60_000));
      if (b.kind !== 'acquired') throw new Error(b.kind);
      await b.lease.release();
      expect(await readWork(store, 'fix', k)).toBeUndefined();

      const s = await beginWork(store, 'fix', k, req('s'));
      if (s.kind !== 'acquired') throw new Error(s.kind);
      await s.lease.schedule({ revisionSuffix: 'heal-1' }, T0);
      expect((await beginWork(store, 'fix', k, req('e'))).kind).toBe('scheduled');
      const h = await beginWork(store, 'fix', k, req('h', T0, { takeScheduled: true }));
      if (h.kind !== 'acquired') throw new Error(h.kind);
      await h.lease.release();
      expect(await readWork(store, 'fix', k)).toMatchObject({
        state: 'scheduled',
        outcome: { revisionSuffix: 'heal-1' },
      });
    });

    it('a noted plan survives a release and a takeover; a release after complete changes nothing', async () => {
      const k = key();
      const a = await beginWork(store, 'story', k, req('a'));
      if (a.kind !== 'acquired') throw new Error(a.kind);
      await a.lease.note({ storyKey: 'plan-1' });
      await a.lease.release(T0 + 500);
      // given back with its plan: expired at once, so the next delivery takes it over and carries the plan out
      const b = await beginWork(store, 'story', k, req('b', T0 + 1000));
      if (b.kind !== 'acquired') throw new Error(b.kind);
      expect(b.previous).toMatchObject({ state: 'in-progress', plan: { storyKey: 'plan-1' } });
      expect(b.lease.record.plan).toEqual({ storyKey: 'plan-1' });
      await b.lease.complete({ status: 'diagnosed' }, T0 + 2000);
      await b.lease.release(T0 + 3000);
      expect(await readWork(store, 'story', k)).toMatchObject({ state: 'completed' });
    });

    it('within one invocation a unit it holds is waited for, then read: the second taker sees the outcome', async () => {
      const k = key();
      const work = createWorkContext(5000);
      const clock = { now: () => new Date(T0) };
      const first = await beginUnit(store, 'event', k, work, clock, 'e1');
      if (first.kind !== 'acquired') throw new Error(first.kind);
      const second = beginUnit(store, 'event', k, work, clock, 'e1');
      const other = await beginUnit(store, 'event', k, createWorkContext(5000), clock, 'e1');
      expect(other.kind).toBe('busy'); // another invocation: a live lease, retry later
      await first.lease.complete({ status: 'diagnosed' }, T0);
      expect(await second).toMatchObject({ kind: 'completed', record: { outcome: { status: 'diagnosed' } } });
    });
  });
}

describeWorkStore('memory', async () => createMemoryStore());

let azurite: RunningAzurite | undefined;
afterAll(async () => {
  await azurite?.stop();
});
describeWorkStore('Table Storage (Azurite)', async () => {
  azurite = await startAzurite();
  return createTableStore({
    connection: { connectionString: azurite.connectionString },
    claimsTable: 'workclaims',
    auditTable: 'workaudit',
    retryOptions: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
  });
});

it('PrincipalNotFound (a fresh identity not replicated yet) is transient; other 400s are not', () => {
  expect(isTransientError({ statusCode: 400, code: 'PrincipalNotFound' })).toBe(true);
  expect(isTransientError({ statusCode: 400, code: 'InvalidRoleAssignmentId' })).toBe(false);
});
