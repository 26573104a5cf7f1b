import { compactCopy, StringPool } from '../../src/store/compact-copy';
import { createMemoryStore } from '../../src/store/memory-store';

describe('compactCopy (what the in-memory store keeps)', () => {
  it('is a deep copy: later changes to the original never reach the copy', () => {
    const pool = new StringPool();
    const original = { a: { list: ['x', { n: 1 }] }, s: 'a string long enough to be pooled' };
    const copy = compactCopy(original, pool);
    expect(copy).toEqual(original);
    (original.a.list[1] as { n: number }).n = 2;
    original.a.list.push('more');
    expect(copy).toEqual({ a: { list: ['x', { n: 1 }] }, s: 'a string long enough to be pooled' });
  });

  it('keeps JSON semantics, as a real store does (undefined properties are not kept)', () => {
    const copy = compactCopy({ a: 1, b: undefined, c: [1, null] }, new StringPool());
    expect(Object.keys(copy)).toEqual(['a', 'c']);
    expect(copy.c).toEqual([1, null]);
  });

  it('shares equal strings between copies (one instance however many records repeat it)', () => {
    const pool = new StringPool();
    const id = ['/subscriptions/1/resourceGroups/rg', '/providers/Microsoft.App/containerApps/web'];
    const r1 = compactCopy({ resourceId: id.join('') }, pool);
    const r2 = compactCopy({ detail: { resourceId: `${id[0] ?? ''}${id[1] ?? ''}` } }, pool);
    expect(r2.detail.resourceId).toBe(r1.resourceId);
    expect(pool.size).toBe(1);
  });

  it('the pool is bounded: unique strings pass through it without being kept', () => {
    const pool = new StringPool(8);
    for (let i = 0; i < 100; i++) pool.share(`event-${i}`);
    expect(pool.size).toBe(8);
    // the most recent ones stay
    const recent = 'event-99';
    expect(pool.share(recent)).toBe(recent);
    expect(pool.size).toBe(8);
  });
});

describe('the in-memory store keeps compact copies', () => {
  it('a stored claim or audit record is not changed by the caller changing its object afterwards', async () => {
    const store = createMemoryStore();
    const value = { state: 'completed', outcome: { status: 'applied' } };
    const etag = await store.create('work:event', 'e1', value);
    value.outcome.status = 'changed';
    expect((await store.get('work:event', 'e1'))?.value).toEqual({
      state: 'completed',
      outcome: { status: 'applied' },
    });
    expect((await store.get('work:event', 'e1'))?.etag).toBe(etag);
    const record = {
      id: 'a1',
      at: '2026-01-01T00:00:00.000Z',
      eventId: 'e1',
      mode: 'dry-run',
      stage: 'x',
      status: 'y',
      detail: { n: 1 },
    };
    await store.appendAudit(record);
    record.detail.n = 2;
    expect((await store.listAudit())[0]?.detail).toEqual({ n: 1 });
  });
});
