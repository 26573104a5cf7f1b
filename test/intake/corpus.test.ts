/**
 * Table-driven: every fixture in test/fixtures/events/<door>/ through the pure intake, against its sidecar.
 */
import { isHandshake, parseAlert, parseBody, parseEventGridDelivery } from '../../src/intake';
import type { IntakeItem } from '../../src/model';
import { asList, DEFAULT_MAX_BYTES, loadCorpus, type FixtureCase } from './corpus';

const corpus = loadCorpus();

function parseCase(c: FixtureCase): ReturnType<typeof parseEventGridDelivery> | { body: ReturnType<typeof parseBody> } {
  const body = parseBody(c.text, c.expected.maxBytes ?? DEFAULT_MAX_BYTES);
  if (!body.ok) return { body };
  return c.door === 'alert' ? parseAlert(body.value) : parseEventGridDelivery(body.value);
}

describe('intake fixture corpus', () => {
  it('covers every door and every kind of case', () => {
    const doors = new Set(corpus.map((c) => c.door));
    expect([...doors].sort()).toEqual(['alert', 'cloudevents', 'eventgrid']);
    const statuses = new Set(corpus.flatMap((c) => (c.expected.items ?? []).map((i) => i.status)));
    expect([...statuses].sort()).toEqual(['accepted', 'ignored', 'rejected']);
    expect(corpus.some((c) => c.expected.handshake)).toBe(true);
    expect(corpus.some((c) => c.expected.body?.tooLarge)).toBe(true);
    expect(corpus.length).toBeGreaterThanOrEqual(25);
  });

  it.each(corpus.map((c) => [`${c.door}/${c.name}`, c] as const))('%s', (_name, c) => {
    const result = parseCase(c);
    if ('body' in result) {
      expect(c.expected.body).toBeDefined();
      expect(result.body.ok).toBe(false);
      if (result.body.ok) return;
      expect(result.body.item.error).toContain(c.expected.body?.errorIncludes);
      expect(result.body.tooLarge).toBe(c.expected.body?.tooLarge ?? false);
      return;
    }
    expect(c.expected.body).toBeUndefined();
    if (isHandshake(result)) {
      expect(result).toMatchObject({ kind: 'validation', ...c.expected.handshake });
      return;
    }
    expect(c.expected.handshake).toBeUndefined();
    const expectedItems = c.expected.items ?? [];
    expect(result.map((i) => i.status)).toEqual(expectedItems.map((i) => i.status));
    result.forEach((item, n) => checkItem(item, expectedItems[n]!));
  });
});

function checkItem(
  item: IntakeItem,
  want: {
    status: string;
    eventId?: string;
    event?: Record<string, unknown>;
    reasonIncludes?: string | string[];
    errorIncludes?: string | string[];
  },
): void {
  switch (item.status) {
    case 'accepted':
      if (want.eventId) expect(item.event.id).toBe(want.eventId);
      if (want.event) expect(item.event).toMatchObject(want.event);
      // The raw payload of this one event is kept untouched.
      expect(item.event.raw).toBeDefined();
      expect(typeof item.event.time).toBe('string');
      break;
    case 'ignored':
      if (want.eventId) expect(item.eventId).toBe(want.eventId);
      for (const s of asList(want.reasonIncludes)) expect(item.reason).toContain(s);
      expect(item.reason.length).toBeGreaterThan(10);
      break;
    case 'rejected':
      if (want.eventId) expect(item.eventId).toBe(want.eventId);
      for (const s of asList(want.errorIncludes)) expect(item.error).toContain(s);
      break;
    default: {
      const never: never = item;
      throw new Error(`unexpected ${JSON.stringify(never)}`);
    }
  }
}
