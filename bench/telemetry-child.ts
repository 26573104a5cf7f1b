/**
 * Child process of bench/telemetry.bench.ts (bundled with esbuild and run by plain `node`, as the deployed bundle
 * runs). Builds the Function app's real dependencies with `buildRuntimeDeps` from app settings — with telemetry on,
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set, so the runtime starts the Azure Monitor distro exactly as in Azure
 * (Entra ID ingestion with the given credential, to the parent's local HTTPS ingestion endpoint) and pino lines become
 * OpenTelemetry log records; with telemetry off nothing of the SDK loads. Then it calls the Event Grid trigger handler
 * (`makeEventGridHandler`, inside the invocation's trace context as the pre-invocation hook does)
 * `warmup` times, then runs batches of events (`inFlight` at once) when the parent asks, answering each with the
 * per-event wall times; the parent alternates batches between a telemetry-off and a telemetry-on child.
 * Input: env TELEMETRY_BENCH (JSON).
 */
import { shutdownAzureMonitor } from '@azure/monitor-opentelemetry';
import { InvocationContext } from '@azure/functions';
import { context, propagation } from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { makeEventGridHandler } from '../src/functions/event-grid-failures';
import { staticTokenCredential } from '../src/local/static-credential';
import { buildRuntimeDeps } from '../src/runtime';
import { deliverAll } from './deliver';
import { asOwnFailure } from './own-failure';

export interface TelemetryChildInput {
  endpoint: string;
  caPath: string;
  now: string;
  /** The local ingestion endpoint (https://127.0.0.1:port/) when telemetry is on; absent: off. */
  ingestionEndpoint?: string;
  seed: Record<string, unknown>;
  warmup: number;
  inFlight: number;
  /** Distinguishes event ids between runs. */
  runId: string;
}

export interface TelemetryChildResult {
  telemetry: boolean;
  samplesMs: number[];
  /** CPU time (user + system) of this process during the batch. */
  cpuMs?: number;
  statuses: Record<string, number>;
  node: string;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env['TELEMETRY_BENCH'] ?? '{}') as TelemetryChildInput;
  const on = input.ingestionEndpoint !== undefined;
  const clock = { now: () => new Date(input.now) };
  const deps = await buildRuntimeDeps({
    env: {
      ARM_ENDPOINT: input.endpoint,
      REMEDIATOR_MODE: 'dry-run',
      LOG_LEVEL: 'info',
      ...(on
        ? {
            APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=${input.ingestionEndpoint}`,
          }
        : {}),
    },
    credential: staticTokenCredential(),
    clock,
    tlsCa: readFileSync(input.caPath, 'utf8'),
  });
  const handler = makeEventGridHandler(() => Promise.resolve(deps));
  const statuses: Record<string, number> = {};
  const invocation = (i: number): InvocationContext =>
    new InvocationContext({
      invocationId: `${input.runId}-${i}`,
      functionName: 'eventGridFailures',
      logHandler: (_level, ...args) => {
        const m = /=(\w[\w-]*)/.exec(String(args[0]));
        if (m?.[1]) statuses[m[1]] = (statuses[m[1]] ?? 0) + 1;
      },
    });
  // The host hands each invocation a W3C trace context; the pre-invocation hook runs the handler inside it.
  const call = (i: number): Promise<void> => {
    const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    const parent = propagation.extract(context.active(), { traceparent });
    return context.with(parent, () => handler(asOwnFailure(input.seed, `${input.runId}-${i}`), invocation(i)));
  };
  let next = 0;
  /** `count` events, `inFlight` at once; per-delivery wall times (a transient answer is redelivered, as Event Grid does). */
  const runBatch = async (count: number): Promise<number[]> => {
    const from = next;
    next += count;
    return (await deliverAll(call, from, count, input.inFlight)).samples;
  };
  await runBatch(input.warmup);
  // Then batches on the parent's word (it alternates this process with the other), until it says done.
  process.on('message', (m: { batch?: number; done?: boolean }) => {
    void (async () => {
      if (m.batch !== undefined) {
        const cpu0 = process.cpuUsage();
        const samplesMs = await runBatch(m.batch);
        const cpu = process.cpuUsage(cpu0);
        process.send?.({ samplesMs, cpuMs: (cpu.user + cpu.system) / 1000 });
        return;
      }
      // Flush what the distro still holds (spans, logs, metrics) to the ingestion endpoint.
      if (on) await shutdownAzureMonitor();
      const result: TelemetryChildResult = { telemetry: on, samplesMs: [], statuses, node: process.version };
      process.send?.(result, () => process.exit(0));
    })().catch((err: unknown) => fail(err));
  });
  process.send?.({ ready: true });
}

function fail(err: unknown): void {
  process.send?.({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () => process.exit(1));
}

main().catch(fail);
