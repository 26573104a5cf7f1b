/**
 * The signals of the remediator's own trouble, read back from the OpenTelemetry SDK's in-memory metric reader after
 * runs that really had that trouble: Activity Log lookups that lagged (retried, then given up on; the pipeline on the
 * ARM emulator through the harness), a notification the outbox gave up on and the outbox depth (a local webhook that
 * keeps failing), heal checks abandoned (a message that is not a heal task; a transient fault on the last delivery of
 * the queue trigger).
 */
import { InvocationContext } from '@azure/functions';
import { WEBHOOK_TRANSPORTS } from '../../src/adapters/webhook-sender';
import { makeHealCheckHandler } from '../../src/functions/heal-check';
import type { HealCheckDeps } from '../../src/heal-pipeline';
import { startHarness } from '../../src/local/harness';
import { createLogger } from '../../src/logging';
import { RemediatorError } from '../../src/model';
import { createNotifier } from '../../src/notify';
import { createMemoryStore } from '../../src/store/memory-store';
import { METRIC } from '../../src/telemetry/names';
import { authorizationFailedMessage, CALLER, eventGridEvent, VM, world } from '../helpers/authz-world';
import { createFakeTime, createManualClock, makeOutcome, startSink } from '../notify/fixtures';
import { startInMemoryTelemetry, type InMemoryTelemetry } from './helpers';

let telemetry: InMemoryTelemetry;
beforeEach(() => {
  telemetry = startInMemoryTelemetry();
});
afterEach(async () => {
  await telemetry.handle.shutdown();
});

const sums = async (name: string, key: string): Promise<Record<string, number>> => {
  const out: Record<string, number> = {};
  for (const p of await telemetry.points(name)) out[String(p.attributes[key])] = p.value as number;
  return out;
};

it('an Activity Log entry that never appears: each early delivery counts as lagged (retried), the last as given up', async () => {
  const correlationId = 'c9000000-0000-4000-8000-00000000a1a1';
  const h = await startHarness({ world: world([], []), azurite: false });
  try {
    const op = 'Microsoft.Compute/virtualMachines/write';
    const retries: number[] = [];
    const [o] = await h.deliverWithRetries(
      eventGridEvent(
        {
          correlationId,
          callerOid: CALLER,
          operationName: op,
          resourceId: VM,
          scope: VM,
          statusMessage: authorizationFailedMessage(CALLER, op, VM),
        },
        'lag-telemetry',
      ),
      (r) => retries.push(r.delayMs),
    );
    expect(o?.diagnosis?.kind).toBe('unknown');
    expect(await sums(METRIC.activityLogLagged, 'remediator.reason')).toEqual({
      retried: retries.length,
      'gave-up': 1,
    });
    expect(retries.length).toBeGreaterThan(0);
  } finally {
    await h.stop();
  }
});

it('a message the outbox gives up on is counted as a drop; the flush reports what is still due', async () => {
  const time = createFakeTime();
  const sink = await startSink({ now: time.now });
  try {
    const clock = createManualClock();
    const store = createMemoryStore({ clock });
    sink.script(
      '/teams/',
      Array.from({ length: 20 }, () => ({ status: 500 })),
    );
    const make = (outboxMaxAttempts: number): ReturnType<typeof createNotifier> =>
      createNotifier({
        transports: WEBHOOK_TRANSPORTS,
        teamsWebhookUrl: `${sink.url}/teams/workflows/x/triggers/manual/paths/invoke?sig=s`,
        store,
        clock,
        log: createLogger({ level: 'silent' }),
        mode: 'auto-fix',
        digestWindowMs: 60_000,
        maxAttempts: 1,
        outboxMaxAttempts,
        sleep: time.sleep,
        monotonicNow: time.now,
        random: () => 0.5,
      });
    await make(3).notify(makeOutcome('acr-pull/image-not-found', { eventId: 'drop-1' }));
    clock.advance(120_000);
    // First outbox retry fails: still due later (depth 1).
    expect(await make(3).flushOutbox()).toMatchObject({ retried: 1, dropped: 0 });
    expect((await telemetry.points(METRIC.outboxDepth)).map((p) => p.value)).toEqual([1]);
    clock.advance(24 * 3_600_000);
    expect(await make(2).flushOutbox()).toMatchObject({ dropped: 1 });
    expect(await sums(METRIC.outboxDrops, 'remediator.channel')).toEqual({ teams: 1 });
    expect((await telemetry.points(METRIC.outboxDepth)).map((p) => p.value)).toEqual([0]);
  } finally {
    await sink.stop();
  }
});

it('heal checks abandoned: a message that is not a heal task, and a transient fault on the last delivery', async () => {
  const clock = createManualClock();
  const deps = {
    log: createLogger({ level: 'silent' }),
    clock,
    store: createMemoryStore({ clock }),
  } as unknown as HealCheckDeps;
  const ctx = (dequeueCount: number): InvocationContext =>
    new InvocationContext({
      functionName: 'healCheck',
      triggerMetadata: { dequeueCount },
      logHandler: () => undefined,
    });
  const handler = makeHealCheckHandler(() => Promise.resolve(deps));
  await handler({ not: 'a heal task' }, ctx(1));
  expect(await sums(METRIC.healChecksAbandoned, 'remediator.reason')).toEqual({ 'not-a-heal-task': 1 });

  // A transient fault: redelivered (not abandoned) before the fifth delivery; the fifth goes to the poison queue.
  const failing = makeHealCheckHandler(() =>
    Promise.reject(new RemediatorError('arm-throttled', 'throttled', { transient: true })),
  );
  await expect(failing({}, ctx(4))).rejects.toThrow('throttled');
  expect(await sums(METRIC.healChecksAbandoned, 'remediator.reason')).toEqual({ 'not-a-heal-task': 1 });
  await expect(failing({}, ctx(5))).rejects.toThrow('throttled');
  expect(await sums(METRIC.healChecksAbandoned, 'remediator.reason')).toEqual({ 'not-a-heal-task': 1, poison: 1 });
});
