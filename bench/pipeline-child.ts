/**
 * Child process of bench/pipeline.bench.ts for the handler-latency figure (bundled with esbuild and run by plain `node`
 * 22, as the deployed bundle runs in Azure): a fresh Function instance — the app's real dependencies from app settings
 * (`buildRuntimeDeps`: dry-run, no telemetry, the in-memory store), its SDK clients talking to the ARM emulator in a
 * third process — calls the Event Grid trigger handler for `events` events, `inFlight` at once, each a failure of its
 * own (bench/own-failure.ts), and sends back every delivery's wall time. The instance's first `warmup` events (cold
 * caches, new TLS connections, code the JIT has not optimised yet) are delivered first and reported apart; the
 * figure is the steady state after them — what every later event of a warm instance sees. Running it in a process of
 * its own keeps the heap that the earlier benches of `npm run bench` leave behind (and their GC pauses) out of the
 * handler's tail.
 * Input: env PIPELINE_BENCH (JSON).
 */
import { InvocationContext } from '@azure/functions';
import { readFileSync } from 'node:fs';
import { makeEventGridHandler } from '../src/functions/event-grid-failures';
import { staticTokenCredential } from '../src/local/static-credential';
import { buildRuntimeDeps } from '../src/runtime';
import { deliverAll } from './deliver';
import { asOwnFailure } from './own-failure';

export interface PipelineChildInput {
  endpoint: string;
  caPath: string;
  now: string;
  seed: Record<string, unknown>;
  /** Deliveries before the measured ones (reported apart: `warmupSamplesMs`, `firstDeliveriesMs`). */
  warmup: number;
  events: number;
  inFlight: number;
  /**
   * The floor instead of the handler: per event only the critical path's 4 ARM reads through the same SDK clients
   * (the app, then its revision ∥ the pull identity's role assignments ∥ the deny assignments at the registry), none
   * of the pipeline's own work — what any handler making those reads would cost.
   */
  floor?: { appId: string; revisionName: string; registryId: string; principalId: string };
}

export interface PipelineChildResult {
  /** Every delivery's wall time (ms), sorted; redeliveries after a transient answer included. */
  samplesMs: number[];
  /** The warm-up's deliveries (ms, sorted). */
  warmupSamplesMs: number[];
  /** The instance's first delivery in each of the `inFlight` lanes (cold caches and connections), ms. */
  firstDeliveriesMs: number[];
  redeliveries: number;
  /** CPU time (user + system) of this process per measured event, ms. */
  cpuPerEventMs: number;
  /** Outcomes as the handler logged them (`processed: <event id>=<status>`). */
  statuses: Record<string, number>;
  node: string;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env['PIPELINE_BENCH'] ?? '{}') as PipelineChildInput;
  const deps = await buildRuntimeDeps({
    env: { ARM_ENDPOINT: input.endpoint, REMEDIATOR_MODE: 'dry-run', LOG_LEVEL: 'info' },
    credential: staticTokenCredential(),
    clock: { now: () => new Date(input.now) },
    tlsCa: readFileSync(input.caPath, 'utf8'),
  });
  const handler = makeEventGridHandler(() => Promise.resolve(deps));
  const statuses: Record<string, number> = {};
  const context = new InvocationContext({
    invocationId: 'pipeline-bench',
    functionName: 'eventGridFailures',
    logHandler: (_level, ...args) => {
      const m = /^processed: .*?=(\w[\w-]*)/.exec(String(args[0]));
      if (m?.[1]) statuses[m[1]] = (statuses[m[1]] ?? 0) + 1;
    },
  });
  const { floor } = input;
  const { arm } = deps;
  const deliver = floor
    ? async (): Promise<void> => {
        await arm.getContainerApp(floor.appId);
        await Promise.all([
          arm.getRevision(floor.appId, floor.revisionName),
          arm.listRoleAssignmentsForPrincipal(floor.registryId, floor.principalId),
          arm.listDenyAssignments(floor.registryId),
        ]);
      }
    : (i: number): Promise<void> => handler(asOwnFailure(input.seed, `pipeline-${i}`), context);
  // Warm-up: the instance's first deliveries (cold caches, new TLS connections, code not yet optimised by the JIT).
  const warm = await deliverAll(deliver, 0, input.warmup, input.inFlight);
  const cpu0 = process.cpuUsage();
  const run = await deliverAll(deliver, input.warmup, input.events, input.inFlight);
  const cpu = process.cpuUsage(cpu0);
  const result: PipelineChildResult = {
    samplesMs: run.samples,
    warmupSamplesMs: warm.samples,
    firstDeliveriesMs: warm.first.sort((a, b) => a - b),
    redeliveries: run.redeliveries,
    cpuPerEventMs: (cpu.user + cpu.system) / 1000 / input.events,
    statuses,
    node: process.version,
  };
  process.send?.(result, () => process.exit(0));
}

main().catch((err: unknown) => {
  process.send?.({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () => process.exit(1));
});
