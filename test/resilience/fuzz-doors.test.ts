/**
 * Fuzzing the three doors with fast-check: 10,000 generated malformed and adversarial payloads PER DOOR (Event Grid
 * trigger, Event Grid webhook over HTTP, Activity Log alert over HTTP), handlers called in-process with the real
 * pipeline and an in-memory store. Every payload is built to be unusable (a required field missing or of the wrong
 * type, a wrong schema, random JSON or text, truncated or oversized bodies) or irrelevant (a success, another
 * event type), possibly with hostile extras (`__proto__` / `constructor` keys, deep nesting, huge strings). So:
 * - no crash, no unhandled rejection;
 * - HTTP doors answer 400, 413 or 200 with per-event results that are all `rejected` or `ignored` — never 500;
 * - the trigger returns (acknowledges) and logs each event as rejected or ignored;
 * - ARM is never called (the ArmPort records any call and the test fails on it).
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArmPort } from '../../src/azure/arm-port';
import { loadConfig } from '../../src/config';
import { makeAlertHandler } from '../../src/functions/activity-log-alert';
import { makeEventGridHandler } from '../../src/functions/event-grid-failures';
import { makeWebhookHandler } from '../../src/functions/event-grid-webhook';
import { createLogger } from '../../src/logging';
import type { PipelineDeps } from '../../src/pipeline';
import { createMemoryStore } from '../../src/store';
import { seedEvent } from './seed';

jest.setTimeout(120_000);

const RUNS = 10_000;
const MAX_BYTES = 16_384;
const FIXTURES = join(__dirname, '..', 'fixtures', 'events');

const armCalls: string[] = [];
/** An ArmPort that records every call and rejects: nothing the fuzzer sends may reach ARM. */
const refusingArm = new Proxy({} as ArmPort, {
  get(_t, prop) {
    if (typeof prop !== 'string' || prop === 'then') return undefined;
    return (): Promise<never> => {
      armCalls.push(prop);
      return Promise.reject(new Error(`ARM must not be called by a fuzzed payload (${prop})`));
    };
  },
});

function makeDeps(): PipelineDeps {
  const clock = { now: () => new Date('2026-11-21T10:00:00Z') };
  return {
    arm: refusingArm,
    clock,
    log: createLogger({ level: 'silent' }),
    config: loadConfig({ REMEDIATOR_MODE: 'auto-fix', REMEDIATOR_MAX_PAYLOAD_BYTES: String(MAX_BYTES) }),
    store: createMemoryStore({ clock }),
    scheduler: { schedule: () => Promise.reject(new Error('nothing may be scheduled')) },
  };
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));
beforeEach(() => {
  armCalls.length = 0;
  unhandled.length = 0;
});
afterEach(async () => {
  await new Promise((r) => setImmediate(r));
  expect(unhandled).toEqual([]);
  expect(armCalls).toEqual([]);
});

// ───────────────────────────── generators ─────────────────────────────

type Obj = Record<string, unknown>;
const clone = <T>(v: T): T => structuredClone(v);

const EG = seedEvent();
const CE = JSON.parse(
  readFileSync(join(FIXTURES, 'cloudevents', 'write-failure-container-app-lowercase.json'), 'utf8'),
) as Obj;
const ALERT = JSON.parse(readFileSync(join(FIXTURES, 'alert', 'authorization-failed-acr-pull.json'), 'utf8')) as Obj;

/** Any JSON value that is not a string. */
const notString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
);
const notObject = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
);

const hostileExtras = fc.record(
  {
    __proto__: fc.jsonValue(),
    constructor: fc.jsonValue(),
    prototype: fc.jsonValue(),
    huge: fc.constantFrom('x'.repeat(5000), '\u0000'.repeat(100), '💥'.repeat(300), '../'.repeat(200)),
    deep: fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.jsonValue(), fc.tuple(tie('node'))),
    })).node,
  },
  { requiredKeys: [] },
);

/** Apply hostile extras as OWN keys (JSON.parse would create own `__proto__` keys too). */
function withExtras(base: Obj, extras: Obj): Obj {
  const out = JSON.parse(JSON.stringify(base)) as Obj;
  for (const [k, v] of Object.entries(extras))
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** An Event Grid (EventGridSchema or CloudEvents) event that is invalid or irrelevant by construction. */
const badEventGridEvent: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.constantFrom(EG, CE),
    fc.oneof(
      fc.record({
        op: fc.constant('drop' as const),
        field: fc.constantFrom('id', 'data', 'eventType', 'type', 'subject'),
      }),
      fc.record({ op: fc.constant('wrong-id' as const), value: notString }),
      fc.record({ op: fc.constant('wrong-data' as const), value: notObject }),
      fc.record({ op: fc.constant('wrong-type' as const), value: notString }),
      fc.record({
        op: fc.constant('other-type' as const),
        value: fc.string().filter((s) => !/^Microsoft\.Resources\.Resource/i.test(s)),
      }),
      fc.record({ op: fc.constant('success' as const), value: fc.constant(0) }),
    ),
    hostileExtras,
  )
  .map(([template, m, extras]) => {
    const e = clone(template);
    const typeKey = 'specversion' in e ? 'type' : 'eventType';
    switch (m.op) {
      case 'drop':
        delete e[m.field === 'eventType' || m.field === 'type' ? typeKey : m.field];
        if (m.field === 'subject') delete e['data']; // a missing subject alone may be recoverable: make it unusable
        break;
      case 'wrong-id':
        e['id'] = m.value;
        break;
      case 'wrong-data':
        e['data'] = m.value;
        break;
      case 'wrong-type':
        e[typeKey] = m.value;
        break;
      case 'other-type':
        e[typeKey] = m.value;
        break;
      case 'success':
        e[typeKey] = 'Microsoft.Resources.ResourceWriteSuccess';
        (e['data'] as Obj)['status'] = 'Succeeded';
        break;
    }
    return withExtras(e, extras);
  });

/** A common-alert-schema document that is invalid or irrelevant by construction. */
const badAlert: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.oneof(
      fc.record({ op: fc.constant('drop' as const), field: fc.constantFrom('essentials', 'alertContext') }),
      fc.record({ op: fc.constant('wrong-context' as const), value: notObject }),
      fc.record({ op: fc.constant('wrong-essentials' as const), value: notObject }),
      fc.record({ op: fc.constant('service' as const), value: fc.string().filter((s) => !/activity log/i.test(s)) }),
      fc.record({ op: fc.constant('succeeded' as const), value: fc.constant(0) }),
      fc.record({ op: fc.constant('wrong-data' as const), value: notObject }),
    ),
    hostileExtras,
  )
  .map(([m, extras]) => {
    const a = clone(ALERT);
    const data = a['data'] as Obj;
    switch (m.op) {
      case 'drop':
        delete data[m.field];
        break;
      case 'wrong-context':
        data['alertContext'] = m.value;
        break;
      case 'wrong-essentials':
        data['essentials'] = m.value;
        break;
      case 'service':
        (data['essentials'] as Obj)['monitoringService'] = m.value;
        break;
      case 'succeeded':
        (data['alertContext'] as Obj)['status'] = 'Succeeded';
        break;
      case 'wrong-data':
        a['data'] = m.value;
        break;
    }
    return withExtras(a, extras);
  });

/** Random JSON that is not a usable delivery (arbitrary values; objects never carry a valid event by chance). */
const randomJson = fc.jsonValue();

const eventGridDocs = fc.oneof(
  { arbitrary: badEventGridEvent, weight: 3 },
  { arbitrary: fc.array(badEventGridEvent, { minLength: 1, maxLength: 5 }), weight: 3 },
  { arbitrary: randomJson, weight: 2 },
);
const alertDocs = fc.oneof({ arbitrary: badAlert, weight: 5 }, { arbitrary: randomJson, weight: 2 });

/** HTTP body text: JSON of a bad document, or broken text (truncated JSON, random text, empty, oversized). */
function bodies(docs: fc.Arbitrary<unknown>, valid: unknown): fc.Arbitrary<string> {
  const validText = JSON.stringify(valid);
  return fc.oneof(
    { arbitrary: docs.map((d) => JSON.stringify(d) ?? 'null'), weight: 6 },
    { arbitrary: fc.integer({ min: 0, max: validText.length - 2 }).map((n) => validText.slice(0, n)), weight: 2 },
    {
      arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).filter((s) => {
        try {
          JSON.parse(s);
          return false;
        } catch {
          return true;
        }
      }),
      weight: 2,
    },
    {
      arbitrary: fc.constantFrom('', '   ', '\uFEFF', 'null', '[]', '{}', '[null]', '[[]]', '"x"', '1e309'),
      weight: 1,
    },
    {
      arbitrary: fc
        .integer({ min: 1, max: 3 })
        .map((k) => `[${JSON.stringify({ ...(valid as Obj), pad: 'p'.repeat(MAX_BYTES * k) })}]`),
      weight: 1,
    },
  );
}

// ───────────────────────────── properties ─────────────────────────────

const context = (): InvocationContext & { lines: string[] } => {
  const lines: string[] = [];
  const ctx = new InvocationContext({
    invocationId: 'fuzz',
    functionName: 'fuzz',
    logHandler: (_l, ...a) => void lines.push(a.map(String).join(' ')),
  });
  return Object.assign(ctx, { lines });
};

function expectHttpAnswer(res: HttpResponseInit, body: string): void {
  if (![200, 400, 413].includes(res.status ?? 0))
    throw new Error(`status ${res.status} for ${body.slice(0, 300)}: ${JSON.stringify(res.jsonBody)?.slice(0, 300)}`);
  if (res.status === 200) {
    const results = (res.jsonBody as { results?: Array<{ status: string }> } | undefined)?.results;
    if (!Array.isArray(results))
      throw new Error(`200 without per-event results for ${body.slice(0, 300)}: ${JSON.stringify(res.jsonBody)}`);
    const bad = results.filter((r) => r.status !== 'rejected' && r.status !== 'ignored');
    if (bad.length) throw new Error(`usable event in a fuzzed body: ${JSON.stringify(bad)} for ${body.slice(0, 500)}`);
  }
}

const post = (url: string, body: string): HttpRequest =>
  new HttpRequest({ method: 'POST', url, body: { string: body }, headers: { 'content-type': 'application/json' } });

it(`Event Grid trigger: ${RUNS} bad events → acknowledged, each rejected or ignored, ARM untouched`, async () => {
  const deps = makeDeps();
  const handler = makeEventGridHandler(() => Promise.resolve(deps));
  await fc.assert(
    fc.asyncProperty(
      fc.oneof({ arbitrary: badEventGridEvent, weight: 4 }, { arbitrary: randomJson, weight: 1 }),
      async (event) => {
        const ctx = context();
        await handler(event, ctx); // must not throw: nothing here is worth a retry
        const said = ctx.lines.join('\n');
        if (!/^(rejected|ignored)\b/m.test(said) && !/subscription validation/.test(said))
          throw new Error(`no rejected/ignored line: ${said}`);
        if (/=diagnosed|=duplicate/.test(said)) throw new Error(`diagnosed a fuzzed event: ${said}`);
      },
    ),
    { numRuns: RUNS },
  );
});

it(`Event Grid webhook (HTTP): ${RUNS} bad bodies → 400/413/200 with rejected/ignored results, never 500`, async () => {
  const deps = makeDeps();
  const handler = makeWebhookHandler(() => Promise.resolve(deps));
  await fc.assert(
    fc.asyncProperty(bodies(eventGridDocs, EG), async (body) => {
      expectHttpAnswer(await handler(post('https://fuzz.example/api/eventgrid', body), context()), body);
    }),
    { numRuns: RUNS },
  );
});

it(`Activity Log alert (HTTP): ${RUNS} bad bodies → 400/413/200 with rejected/ignored results, never 500`, async () => {
  const deps = makeDeps();
  const handler = makeAlertHandler(() => Promise.resolve(deps));
  await fc.assert(
    fc.asyncProperty(bodies(alertDocs, ALERT), async (body) => {
      expectHttpAnswer(await handler(post('https://fuzz.example/api/alerts/activity-log', body), context()), body);
    }),
    { numRuns: RUNS },
  );
});

it('the oracle can fail: a valid seed event through the trigger DOES reach ARM', async () => {
  const deps = makeDeps();
  await makeEventGridHandler(() => Promise.resolve(deps))(seedEvent('fuzz-control'), context());
  expect(armCalls.length).toBeGreaterThan(0);
  armCalls.length = 0; // reset for afterEach
});
