/** The StateStore contract, run against every implementation (memory and Table Storage on Azurite). */
import type { AuditRecord, OutboxItem, StateStore } from '../../src/store/port';

export function describeStoreContract(name: string, makeStore: () => Promise<StateStore>): void {
  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;
    let n = 0;
    // each test gets fresh keys: the table store is shared across the file
    const uniq = (s: string): string => `${s}-${++n}-${Math.random().toString(36).slice(2, 8)}`;
    beforeAll(async () => {
      store = await makeStore();
    });

    it('claims a key exactly once; keys with ARM-id characters are fine', async () => {
      const key = `/subscriptions/S/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r|acrpull#?\\${uniq('k')}`;
      expect(await store.claim('fix', key, { by: 'a' })).toBe(true);
      expect(await store.claim('fix', key, { by: 'b' })).toBe(false);
      const rec = await store.get('fix', key);
      expect(rec?.value).toEqual({ by: 'a' });
      expect(rec?.key).toBe(key);
      expect(rec?.partition).toBe('fix');
      expect(Date.parse(rec?.createdAt ?? '')).not.toBeNaN();
      // a different partition is a different key
      expect(await store.claim('other', key, {})).toBe(true);
    });

    it('50 concurrent claims of one key: exactly one wins', async () => {
      const key = uniq('race');
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.claim('race', key, { i })));
      expect(results.filter((r) => r)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await store.get('race', key))?.value).toEqual({ i: winner });
    });

    it('update records progress; release lets the key be claimed again', async () => {
      const key = uniq('life');
      expect(await store.claim('fix', key, { state: 'claimed' })).toBe(true);
      await store.update('fix', key, { state: 'done', n: 2 });
      expect((await store.get('fix', key))?.value).toEqual({ state: 'done', n: 2 });
      await store.release('fix', key);
      expect(await store.get('fix', key)).toBeUndefined();
      await store.release('fix', key); // releasing twice is fine
      expect(await store.claim('fix', key, { state: 'again' })).toBe(true);
    });

    it("each of many concurrent creates answers with its own record's etag (a replaceIf with it wins)", async () => {
      const keys = Array.from({ length: 20 }, () => uniq('etag'));
      const etags = await Promise.all(keys.map((key, i) => store.create('work:event', key, { i })));
      expect(etags.every((e) => typeof e === 'string')).toBe(true);
      const replaced = await Promise.all(
        keys.map((key, i) => store.replaceIf('work:event', key, { i, done: true }, etags[i] ?? '')),
      );
      expect(replaced.every((e) => typeof e === 'string')).toBe(true);
      const removed = await Promise.all(keys.map((key, i) => store.removeIf('work:event', key, replaced[i] ?? '')));
      expect(removed).toEqual(keys.map(() => true));
    });

    it('update of a missing record rejects', async () => {
      await expect(store.update('fix', uniq('missing'), { x: 1 })).rejects.toBeDefined();
    });

    it('counters start at 0 and add up under concurrency', async () => {
      const key = uniq('hour');
      expect(await store.readCounter('budget', key)).toBe(0);
      const values = await Promise.all(Array.from({ length: 20 }, () => store.increment('budget', key)));
      expect(await store.readCounter('budget', key)).toBe(20);
      // every increment saw a distinct value: no lost updates
      expect(new Set(values).size).toBe(20);
      expect(Math.max(...values)).toBe(20);
      expect(await store.increment('budget', key, 5)).toBe(25);
      expect(await store.readCounter('budget', uniq('other'))).toBe(0);
    });

    it('audit round trip with filters, ordered oldest first, limit keeps the newest', async () => {
      const ev = uniq('evt');
      const app = `/subscriptions/s1/resourceGroups/RG/providers/Microsoft.App/containerApps/${uniq('app')}`;
      const recs: AuditRecord[] = [0, 1, 2, 3].map((i) => ({
        id: `2026-11-2${i}T10:00:00.000Z-${ev}-${i}`,
        at: `2026-11-2${i}T10:00:00.000Z`,
        eventId: i === 3 ? `${ev}-other` : ev,
        resourceId: i === 3 ? '/subscriptions/s1/resourceGroups/rg2/providers/x/y/z' : app,
        mode: 'dry-run',
        stage: 'action',
        status: i % 2 === 0 ? 'planned' : 'blocked',
        kind: 'acr-pull/missing-role',
        detail: { i, nested: { list: [1, 'two', null] } },
      }));
      for (const r of [recs[2], recs[0], recs[3], recs[1]]) await store.appendAudit(r as AuditRecord);
      const byEvent = await store.listAudit({ eventId: ev });
      expect(byEvent.map((r) => r.detail['i'])).toEqual([0, 1, 2]);
      expect(byEvent[0]).toEqual(recs[0]);
      const byResource = await store.listAudit({
        resourceId: app.toUpperCase(),
        since: new Date('2026-11-21T00:00:00Z'),
      });
      expect(byResource.map((r) => r.detail['i'])).toEqual([1, 2]);
      const limited = await store.listAudit({ eventId: ev, limit: 2 });
      expect(limited.map((r) => r.detail['i'])).toEqual([1, 2]);
      // a duplicate id never overwrites the first record
      await store.appendAudit({ ...(recs[0] as AuditRecord), status: 'second' });
      const again = await store.listAudit({ eventId: ev });
      expect(again.map((r) => r.status).sort()).toEqual(['blocked', 'planned', 'planned', 'second']);
    });

    it('outbox: put, list due ones in due order, delete', async () => {
      const base = uniq('msg');
      const item = (i: number, dueAt: string): OutboxItem => ({
        id: `${base}/${i}`,
        channel: i % 2 ? 'slack' : 'teams',
        body: { text: `m${i}` },
        attempts: i,
        dueAt,
        createdAt: '2026-11-21T09:00:00.000Z',
      });
      await store.putOutbox(item(1, '2026-11-21T10:05:00.000Z'));
      await store.putOutbox(item(2, '2026-11-21T10:01:00.000Z'));
      await store.putOutbox(item(3, '2026-11-21T11:00:00.000Z'));
      const mine = (xs: OutboxItem[]) => xs.filter((x) => x.id.startsWith(base));
      const due = mine(await store.listOutbox(new Date('2026-11-21T10:30:00Z')));
      expect(due.map((d) => d.id)).toEqual([`${base}/2`, `${base}/1`]);
      expect(due[0]).toEqual(item(2, '2026-11-21T10:01:00.000Z'));
      // re-put replaces (attempts bumped, new due time)
      await store.putOutbox({ ...item(2, '2026-11-21T12:00:00.000Z'), attempts: 3, lastError: '429' });
      expect(mine(await store.listOutbox(new Date('2026-11-21T10:30:00Z'))).map((d) => d.id)).toEqual([`${base}/1`]);
      await store.deleteOutbox(`${base}/1`);
      await store.deleteOutbox(`${base}/1`);
      const all = mine(await store.listOutbox(new Date('2027-01-01T00:00:00Z')));
      expect(all.map((d) => [d.id, d.attempts, d.lastError])).toEqual([
        [`${base}/3`, 3, undefined],
        [`${base}/2`, 3, '429'],
      ]);
    });
  });
}
