/**
 * The whole pipeline on the seed story, against the ARM emulator and Azurite, measured from the emulator's request log.
 *   dryRunRequestsCold / Warm   ARM requests for one event through intake → diagnose → plan → guard (dry-run), the
 *                               guard's re-reads included; cold = fresh instance, warm = a second instance's store is
 *                               fresh (a new story) but the SDK caches are warm.
 *   handler latency             the Event Grid trigger handler (makeEventGridHandler) over 1,000 events (distinct ids,
 *                               the seed story, dry-run) with `latencyMs` of latency injected on every ARM request; per
 *                               event wall time as a ratio to (critical-path round trips × latencyMs). Run with a few
 *                               events in flight at once; each event's own latency is measured.
 * Run alone: `npx tsx bench/pipeline.bench.ts`.
 */
import { InvocationContext } from '@azure/functions';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from '../emulator';
import { loadWorld } from '../emulator/world';
import { makeEventGridHandler } from '../src/functions/event-grid-failures';
import { parseIncoming } from '../src/intake';
import { startAzurite } from '../src/local/azurite';
import { startHarness } from '../src/local/harness';
import { staticTokenCredential } from '../src/local/static-credential';
import { createSdkArmPort } from '../src/adapters/sdk-arm';
import { processItems } from '../src/pipeline';
import { createMemoryStore } from '../src/store';
import { deliverAll } from './deliver';
import { asOwnFailure } from './own-failure';
import { percentile, round } from './util';

const WORLDS = join(__dirname, '..', 'test', 'worlds');

export interface PipelineBenchResult {
  dryRunRequestsCold: number;
  dryRunRequestsWarm: number;
  /** For the duplicate story (the same failure reported by another event): diagnosis only. */
  dryRunRequestsDuplicate: number;
  latencyMs: number;
  events: number;
  inFlight: number;
  handlerMedianMs: number;
  handlerP99Ms: number;
  /** The same, with the emulator in its own process (ARM is remote in Azure; here it no longer competes for the
   * handler's event loop). */
  remoteArmMedianMs: number;
  remoteArmP99Ms: number;
  statuses: Record<string, number>;
  /** Deliveries answered transiently (the story's lease was held by another delivery) and redelivered. */
  redeliveries: { local: number; remote: number };
}

/** Start `remediator emulator` in a child process; resolves with its endpoint and CA once it serves. */
async function startEmulatorProcess(
  worldPath: string,
  latencyMs: number,
): Promise<{ endpoint: string; ca: string; stop(): void }> {
  const child = spawn(
    process.execPath,
    [
      join(__dirname, '..', 'bin', 'remediator.js'),
      'emulator',
      '--world',
      worldPath,
      '--latency-ms',
      String(latencyMs),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.on('exit', (code) => reject(new Error(`emulator process exited ${code}: ${stderr}`)));
  });
  const { endpoint, caPath } = JSON.parse(line) as { endpoint: string; caPath: string };
  return { endpoint, ca: readFileSync(caPath, 'utf8'), stop: () => child.kill('SIGTERM') };
}

export function readSeedEvent(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(WORLDS, 'seed-story.event.json'), 'utf8')) as Record<string, unknown>;
}

export async function runPipelineBench(
  opts: { events?: number; latencyMs?: number; inFlight?: number } = {},
): Promise<PipelineBenchResult> {
  const events = opts.events ?? 1000;
  const latencyMs = opts.latencyMs ?? 50;
  const inFlight = opts.inFlight ?? 25;
  const world = loadWorld(join(WORLDS, 'seed-story.json'));
  const seed = readSeedEvent();
  const [emulator, storage] = await Promise.all([startEmulator({ world }), startAzurite()]);
  try {
    const h = await startHarness({ world, emulator, storage, mode: 'dry-run' });
    // Cold: a fresh instance, first event.
    emulator.clearRequestLog();
    const [first] = await h.deliver([{ ...seed, id: 'pipeline-cold' }]);
    if (first?.status !== 'diagnosed') throw new Error(`cold event: ${first?.status ?? 'none'}`);
    const dryRunRequestsCold = emulator.requestLog.length;
    if (emulator.requestLog.some((r) => r.write)) throw new Error('dry-run wrote to ARM');
    // Duplicate story: another event reporting the same failure.
    emulator.clearRequestLog();
    const [dup] = await h.deliver([{ ...seed, id: 'pipeline-dup' }]);
    if (dup?.status !== 'duplicate') throw new Error(`duplicate event: ${dup?.status ?? 'none'}`);
    const dryRunRequestsDuplicate = emulator.requestLog.length;
    // Warm: same SDK caches, a store that has not seen the story.
    emulator.clearRequestLog();
    const [warm] = await processItems(parseIncoming([{ ...seed, id: 'pipeline-warm' }]), {
      ...h.deps,
      store: createMemoryStore({ clock: emulator.clock }),
    });
    if (warm?.status !== 'diagnosed') throw new Error(`warm event: ${warm?.status ?? 'none'}`);
    const dryRunRequestsWarm = emulator.requestLog.length;

    // Handler latency.
    const handler = makeEventGridHandler(() => Promise.resolve(h.deps));
    const context = new InvocationContext({
      invocationId: 'bench',
      functionName: 'eventGridFailures',
      logHandler: () => undefined,
    });
    emulator.setLatency(latencyMs);
    const { samples, redeliveries } = await deliverAll(
      (i) => handler(asOwnFailure(seed, `latency-${i}`), context),
      0,
      events,
      inFlight,
    );
    emulator.setLatency(0);

    // The same with ARM in its own process: a fresh instance (cold caches, new story) against it.
    const remote = await startEmulatorProcess(join(WORLDS, 'seed-story.json'), latencyMs);
    let remoteRun: { samples: number[]; redeliveries: number };
    try {
      const arm = createSdkArmPort({
        endpoint: remote.endpoint,
        credential: staticTokenCredential(),
        tlsCa: remote.ca,
        clock: h.deps.clock,
      });
      const remoteDeps = { ...h.deps, arm, store: createMemoryStore({ clock: emulator.clock }) };
      const remoteHandler = makeEventGridHandler(() => Promise.resolve(remoteDeps));
      remoteRun = await deliverAll(
        (i) => remoteHandler(asOwnFailure(seed, `remote-${i}`), context),
        0,
        events,
        inFlight,
      );
    } finally {
      remote.stop();
    }
    const audit = await h.store.listAudit({ limit: 5000 });
    const statuses: Record<string, number> = {};
    for (const a of audit) if (/^latency-/.test(a.eventId)) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    await h.stop();
    return {
      dryRunRequestsCold,
      dryRunRequestsWarm,
      dryRunRequestsDuplicate,
      latencyMs,
      events,
      inFlight,
      handlerMedianMs: round(percentile(samples, 50), 1),
      handlerP99Ms: round(percentile(samples, 99), 1),
      remoteArmMedianMs: round(percentile(remoteRun.samples, 50), 1),
      remoteArmP99Ms: round(percentile(remoteRun.samples, 99), 1),
      statuses,
      redeliveries: { local: redeliveries, remote: remoteRun.redeliveries },
    };
  } finally {
    await Promise.allSettled([emulator.stop(), storage.stop()]);
  }
}

if (require.main === module) {
  runPipelineBench()
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
