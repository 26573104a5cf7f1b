/**
 * Diagnosis benchmark on the seed story, measured from the ARM emulator's request log, through the real SDK adapter.
 *   coldRequests            ARM requests for one diagnosis with empty caches (registry map, role definitions)
 *   warmRequests            the same diagnosis again (caches warm)
 *   criticalPathRoundTrips  sequential ARM round trips of the warm diagnosis: every request gets `latencyMs` of added
 *                           latency and the port calls are timed; the answer is the longest chain of calls that hit the
 *                           network where each starts after the previous one ended (parallel calls do not add up).
 *                           The wall time / latency is reported too, as a cross-check.
 *   ignoredRequests         ARM requests caused by an event the intake ignores (a successful write): it never reaches
 *                           diagnose(), so this must be 0.
 * Run: `npx tsx bench/diagnose.bench.ts`.
 */
import { join } from 'node:path';
import type { ArmPort } from '../src/azure/arm-port';
import { createSdkArmPort } from '../src/adapters/sdk-arm';
import { diagnose } from '../src/diagnose';
import { parseIncoming } from '../src/intake';
import { startEmulator } from '../emulator/server';
import { loadWorld } from '../emulator/world';
import { staticCredential } from '../test/helpers/emulator';
import { loadEvent } from '../test/diagnose/event-helpers';

export interface DiagnoseBenchResult {
  warmRequests: number;
  coldRequests: number;
  criticalPathRoundTrips: number;
  ignoredRequests: number;
  /** Extra: warm wall time divided by the injected latency (a cross-check of criticalPathRoundTrips). */
  wallTimeRoundTrips: number;
  kind: string;
}

interface Call {
  start: number;
  end: number;
}

/** Wrap every ArmPort method to record when each call started and ended. */
function timed(port: ArmPort, calls: Call[]): ArmPort {
  return new Proxy(port, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return async (...args: unknown[]) => {
        const call: Call = { start: performance.now(), end: NaN };
        try {
          return await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          call.end = performance.now();
          calls.push(call);
        }
      };
    },
  });
}

/** Longest chain of calls, each starting after the previous ended (calls shorter than minMs never left the process). */
export function longestSequentialChain(calls: readonly Call[], minMs: number): number {
  const net = calls.filter((c) => c.end - c.start >= minMs).sort((a, b) => a.end - b.end);
  const depth: number[] = [];
  for (let i = 0; i < net.length; i++) {
    let best = 0;
    for (let j = 0; j < i; j++)
      if ((net[j] as Call).end <= (net[i] as Call).start) best = Math.max(best, depth[j] as number);
    depth.push(best + 1);
  }
  return Math.max(0, ...depth);
}

export async function runDiagnoseBench(latencyMs = 60): Promise<DiagnoseBenchResult> {
  const worlds = join(__dirname, '..', 'test', 'worlds');
  const emulator = await startEmulator({ world: loadWorld(join(worlds, 'seed-story.json')) });
  try {
    const config = { propagationWindowMs: 10 * 60_000 };
    const sdk = createSdkArmPort({
      endpoint: emulator.endpoint,
      credential: staticCredential,
      tlsCa: emulator.ca,
      clock: emulator.clock,
      retryOptions: { maxRetries: 0 },
    });
    const event = loadEvent(join(worlds, 'seed-story.event.json'));

    emulator.clearRequestLog();
    const cold = await diagnose(event, { arm: sdk, clock: emulator.clock, config });
    const coldRequests = emulator.requestLog.length;

    emulator.clearRequestLog();
    await diagnose(event, { arm: sdk, clock: emulator.clock, config });
    const warmRequests = emulator.requestLog.length;

    emulator.setLatency(latencyMs);
    const calls: Call[] = [];
    const t0 = performance.now();
    await diagnose(event, { arm: timed(sdk, calls), clock: emulator.clock, config });
    const wall = performance.now() - t0;
    emulator.setLatency(0);
    const criticalPathRoundTrips = longestSequentialChain(calls, latencyMs / 2);

    emulator.clearRequestLog();
    const ignoredDelivery = [
      {
        ...(event.raw as Record<string, unknown>),
        id: 'ignored-1',
        eventType: 'Microsoft.Resources.ResourceWriteSuccess',
        data: { ...(event.raw as { data: Record<string, unknown> }).data, status: 'Succeeded' },
      },
    ];
    for (const item of parseIncoming(ignoredDelivery)) {
      if (item.status === 'accepted') await diagnose(item.event, { arm: sdk, clock: emulator.clock, config });
    }
    const ignoredRequests = emulator.requestLog.length;

    return {
      warmRequests,
      coldRequests,
      criticalPathRoundTrips,
      ignoredRequests,
      wallTimeRoundTrips: Math.round((wall / latencyMs) * 10) / 10,
      kind: cold.kind,
    };
  } finally {
    await emulator.stop();
  }
}

if (require.main === module) {
  runDiagnoseBench()
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
