/**
 * The whole pipeline on the seed story, against the ARM emulator and Azurite, measured from the emulator's request log.
 *   dryRunRequestsCold / Warm   ARM requests for one event through intake → diagnose → plan → guard (dry-run), the
 *                               guard's re-reads included; cold = fresh instance, warm = a second instance's store is
 *                               fresh (a new story) but the SDK caches are warm.
 *   handler latency             the Event Grid trigger handler (makeEventGridHandler) over 1,000 events (distinct ids,
 *                               the seed story, dry-run) with `latencyMs` of latency injected on every ARM request; per
 *                               event wall time as a ratio to (critical-path round trips × latencyMs). Run with a few
 *                               events in flight at once; each event's own latency is measured. The figure runs the
 *                               handler in a fresh bundled Node 22 process (bench/pipeline-child.ts: the app's real
 *                               deps from app settings, in-memory store) against `remediator emulator` in a third
 *                               process; the extra row runs it here, beside the emulator (harness deps, Azurite).
 * Run alone: `npx tsx bench/pipeline.bench.ts`.
 */
import { InvocationContext } from '@azure/functions';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator';
import type { World } from '../emulator/api';
import { loadWorld } from '../emulator/world';
import { makeEventGridHandler } from '../src/functions/event-grid-failures';
import { parseIncoming } from '../src/intake';
import { startAzurite } from '../src/local/azurite';
import { startHarness } from '../src/local/harness';
import { processItems } from '../src/pipeline';
import { createMemoryStore } from '../src/store';
import { deliverAll } from './deliver';
import { asOwnFailure } from './own-failure';
import type { PipelineChildInput, PipelineChildResult } from './pipeline-child';
import { bundleChild, findNode22, percentile, round, runChildOnce } from './util';

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
  /** The figure: the emulator in its own process (ARM is remote in Azure; here it no longer competes for the handler's
   * event loop) and the handler in a fresh bundled Node 22 process of its own (bench/pipeline-child.ts). */
  remoteArmMedianMs: number;
  remoteArmP99Ms: number;
  /** Events the handler's process delivered before the measured ones (a fresh instance warming up), and their p99. */
  remoteArmWarmup: number;
  remoteArmWarmupP99Ms: number;
  /** Its first delivery in each in-flight lane (cold caches and connections; part of the warm-up). */
  remoteArmFirstDeliveriesMs: number[];
  /** CPU time (user + system) of the handler's process per event. */
  remoteArmCpuPerEventMs: number;
  remoteArmStatuses: Record<string, number>;
  remoteArmNode: string;
  /** The floor, measured the same way: only the critical path's 4 ARM reads per event through the same SDK clients
   * (bench/pipeline-child.ts `floor`), no pipeline. */
  floorMedianMs: number;
  floorP99Ms: number;
  floorCpuPerEventMs: number;
  statuses: Record<string, number>;
  /** Deliveries answered transiently (the story's lease was held by another delivery) and redelivered. */
  redeliveries: { local: number; remote: number };
}

/** Start `remediator emulator` in a child process; resolves with its endpoint and CA once it serves. */
async function startEmulatorProcess(
  worldPath: string,
  latencyMs: number,
): Promise<{ endpoint: string; caPath: string; stop(): void }> {
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
  return { endpoint, caPath, stop: () => child.kill('SIGTERM') };
}

/** The seed story's critical-path reads: the failing app and revision, the registry and the pull identity. */
function floorReads(world: World): NonNullable<PipelineChildInput['floor']> {
  const of = (type: string): World['resources'][number] => {
    const r = world.resources.find((x) => x.type.toLowerCase() === type.toLowerCase());
    if (!r) throw new Error(`seed story: no ${type}`);
    return r;
  };
  const app = of('Microsoft.App/containerApps');
  const identity = of('Microsoft.ManagedIdentity/userAssignedIdentities');
  const principalId = (identity.properties as { principalId?: string } | undefined)?.principalId;
  const revisionName = (app.properties as { latestRevisionName?: string } | undefined)?.latestRevisionName;
  if (!principalId || !revisionName) throw new Error('seed story: no principal id or latest revision');
  return { appId: app.id, revisionName, registryId: of('Microsoft.ContainerRegistry/registries').id, principalId };
}

export function readSeedEvent(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(WORLDS, 'seed-story.event.json'), 'utf8')) as Record<string, unknown>;
}

export async function runPipelineBench(
  opts: { events?: number; latencyMs?: number; inFlight?: number; warmup?: number } = {},
): Promise<PipelineBenchResult> {
  const events = opts.events ?? 1000;
  const latencyMs = opts.latencyMs ?? 50;
  const inFlight = opts.inFlight ?? 25;
  const warmup = opts.warmup ?? 100;
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

    // The figure: ARM in its own process (as ARM is remote in Azure), the handler in a fresh process of its own.
    const remote = await startEmulatorProcess(join(WORLDS, 'seed-story.json'), latencyMs);
    const tmp = mkdtempSync(join(tmpdir(), 'remediator-pipeline-'));
    let child: PipelineChildResult;
    let floor: PipelineChildResult;
    try {
      const childJs = join(tmp, 'pipeline-child.js');
      await bundleChild(join(__dirname, 'pipeline-child.ts'), childJs);
      const input: PipelineChildInput = {
        endpoint: remote.endpoint,
        caPath: remote.caPath,
        now: emulator.clock.now().toISOString(),
        seed,
        warmup,
        events,
        inFlight,
      };
      const run = (i: PipelineChildInput): Promise<PipelineChildResult> =>
        runChildOnce<PipelineChildResult>(childJs, 'PIPELINE_BENCH', i, {
          execPath: findNode22(),
          env: { NODE_EXTRA_CA_CERTS: remote.caPath },
        });
      child = await run(input);
      floor = await run({ ...input, floor: floorReads(world) });
    } finally {
      remote.stop();
      rmSync(tmp, { recursive: true, force: true });
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
      remoteArmMedianMs: round(percentile(child.samplesMs, 50), 1),
      remoteArmP99Ms: round(percentile(child.samplesMs, 99), 1),
      remoteArmWarmup: warmup,
      remoteArmWarmupP99Ms: round(percentile(child.warmupSamplesMs, 99), 1),
      remoteArmFirstDeliveriesMs: child.firstDeliveriesMs.map((v) => round(v, 1)),
      remoteArmCpuPerEventMs: round(child.cpuPerEventMs, 2),
      remoteArmStatuses: child.statuses,
      remoteArmNode: child.node,
      floorMedianMs: round(percentile(floor.samplesMs, 50), 1),
      floorP99Ms: round(percentile(floor.samplesMs, 99), 1),
      floorCpuPerEventMs: round(floor.cpuPerEventMs, 2),
      statuses,
      redeliveries: { local: redeliveries, remote: child.redeliveries },
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
