/**
 * The cost of telemetry on the hot path: the Event Grid trigger handler's per-event wall time with telemetry off and
 * on, in the same run: two child processes (bench/telemetry-child.ts, bundled with esbuild and run by plain `node`)
 * that build the real runtime deps from app settings; the "on" one sets
 * APPLICATIONINSIGHTS_CONNECTION_STRING so the Azure Monitor distro runs as in Azure (every span, metric and log record
 * exported with Entra ID auth) to a local HTTPS ingestion endpoint here that answers like Application Insights'
 * `/v2.1/track` and counts what it receives. After a warm-up, batches of events alternate between them (off, on, on,
 * off, …; one process busy at a time) against the same ARM emulator (in this process, `latencyMs` on every request,
 * the seed story, dry-run), so changing load on the machine falls on both alike. Ratio = median per-event time on /
 * off (target ≤ 1.1); p99 ratio as an extra.
 * The children run on Node 22 (Azure's runtime for the app): this Node if it is 22, else the one `npm test` keeps in
 * .cache/node/, else this Node.
 * Run alone: `npx tsx bench/telemetry.bench.ts` (`--latency-ms 0` for the CPU-only cost).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startEmulator } from '../emulator';
import { getTlsIdentity } from '../emulator/cert';
import { loadWorld } from '../emulator/world';
import type { TelemetryChildInput, TelemetryChildResult } from './telemetry-child';
import { bundleChild, findNode22, percentile, round } from './util';

const WORLDS = join(__dirname, '..', 'test', 'worlds');

export interface TelemetryBenchResult {
  latencyMs: number;
  /** Batches per side. */
  rounds: number;
  eventsPerBatch: number;
  inFlight: number;
  offMedianMs: number;
  onMedianMs: number;
  offP99Ms: number;
  onP99Ms: number;
  /** CPU time of the handler's process per event (user + system), off / on. */
  offCpuPerEventMs: number;
  onCpuPerEventMs: number;
  /** on / off, medians. */
  medianRatio: number;
  p99Ratio: number;
  /** Telemetry items (spans, logs, metrics) the local ingestion endpoint accepted from the "on" runs. */
  ingestedItems: Record<string, number>;
  /** Requests to the ingestion endpoint carrying an Entra ID bearer token / without one. */
  ingestionRequests: { bearer: number; other: number };
  statuses: Record<string, number>;
  node: string;
}

/** A local stand-in for Application Insights' ingestion endpoint: HTTPS, POST /v2.1/track, gzip'd JSON array. */
async function startIngestion(): Promise<{
  server: Server;
  url: string;
  items: Record<string, number>;
  requests: { bearer: number; other: number };
}> {
  const tls = await getTlsIdentity();
  const items: Record<string, number> = {};
  const requests = { bearer: 0, other: 0 };
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.startsWith('/v2.1/track')) {
        res.writeHead(404).end();
        return;
      }
      if (/^Bearer \S+/.test(req.headers.authorization ?? '')) requests.bearer++;
      else requests.other++;
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const envelopes = JSON.parse(raw.toString('utf8')) as Array<{ data?: { baseType?: string } }>;
      for (const e of envelopes) {
        const t = e.data?.baseType ?? 'unknown';
        items[t] = (items[t] ?? 0) + 1;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: envelopes.length, itemsAccepted: envelopes.length, errors: [] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`, items, requests };
}

interface Child {
  /** Run `count` events; their per-event wall times and the CPU time the process used. */
  batch(count: number): Promise<{ samplesMs: number[]; cpuMs: number }>;
  /** Flush telemetry and exit; the child's totals. */
  finish(): Promise<TelemetryChildResult>;
}

/** Start a child; resolves once it has built its deps and run its warm-up events. */
function startChild(childJs: string, input: TelemetryChildInput, caPath: string): Promise<Child> {
  const child = fork(childJs, [], {
    execPath: findNode22(),
    env: {
      ...process.env,
      TELEMETRY_BENCH: JSON.stringify(input),
      // the child trusts the local endpoints' self-signed certificate (ARM emulator, ingestion)
      NODE_EXTRA_CA_CERTS: caPath,
      // no calls to Microsoft's statsbeat endpoint from a benchmark
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  type Reply = Partial<TelemetryChildResult> & { ready?: boolean; error?: string };
  let waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  const failed = (why: string): Error => new Error(`telemetry child: ${why} ${stderr.slice(-2000)}`);
  child.on('message', (m: Reply) => {
    const w = waiting;
    waiting = undefined;
    if (m.error) w?.reject(failed(m.error));
    else w?.resolve(m);
  });
  child.on('exit', (code) => waiting?.reject(failed(`exited ${code}`)));
  const next = (send?: object): Promise<Reply> =>
    new Promise((resolve, reject) => {
      waiting = { resolve, reject };
      if (send) child.send(send);
    });
  return next().then(() => ({
    batch: async (count) => {
      const r = await next({ batch: count });
      return { samplesMs: r.samplesMs ?? [], cpuMs: r.cpuMs ?? NaN };
    },
    finish: async () => (await next({ done: true })) as TelemetryChildResult,
  }));
}

export async function runTelemetryBench(
  opts: { latencyMs?: number; rounds?: number; events?: number; warmup?: number; inFlight?: number } = {},
): Promise<TelemetryBenchResult> {
  const latencyMs = opts.latencyMs ?? 50;
  const rounds = opts.rounds ?? 20;
  const events = opts.events ?? 50;
  const warmup = opts.warmup ?? 50;
  const inFlight = opts.inFlight ?? 10;
  const world = loadWorld(join(WORLDS, 'seed-story.json'));
  const seed = JSON.parse(readFileSync(join(WORLDS, 'seed-story.event.json'), 'utf8')) as Record<string, unknown>;
  const emulator = await startEmulator({ world });
  const trim = setInterval(() => emulator.clearRequestLog(), 1000);
  const ingestion = await startIngestion();
  const tmp = mkdtempSync(join(tmpdir(), 'remediator-telemetry-'));
  try {
    const childJs = join(tmp, 'telemetry-child.js');
    await bundleChild(join(__dirname, 'telemetry-child.ts'), childJs);
    emulator.setLatency(latencyMs);
    const input = (telemetry: boolean): TelemetryChildInput => ({
      endpoint: emulator.endpoint,
      caPath: emulator.caPath,
      now: emulator.clock.now().toISOString(),
      ...(telemetry ? { ingestionEndpoint: ingestion.url } : {}),
      seed,
      warmup,
      inFlight,
      runId: `tb-${telemetry ? 'on' : 'off'}`,
    });
    const [offChild, onChild] = await Promise.all([
      startChild(childJs, input(false), emulator.caPath),
      startChild(childJs, input(true), emulator.caPath),
    ]);
    const off: number[] = [];
    const on: number[] = [];
    const cpuMs = { off: 0, on: 0 };
    for (let r = 0; r < rounds; r++) {
      // off, on, on, off, off, on, …: neither side always runs first
      for (const telemetry of r % 2 === 0 ? [false, true] : [true, false]) {
        const b = await (telemetry ? onChild : offChild).batch(events);
        (telemetry ? on : off).push(...b.samplesMs);
        cpuMs[telemetry ? 'on' : 'off'] += b.cpuMs;
      }
    }
    const results = await Promise.all([offChild.finish(), onChild.finish()]);
    const statuses: Record<string, number> = {};
    for (const result of results)
      for (const [k, v] of Object.entries(result.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
    const node = results[0].node;
    off.sort((a, b) => a - b);
    on.sort((a, b) => a - b);
    const offMedianMs = percentile(off, 50);
    const onMedianMs = percentile(on, 50);
    const offP99Ms = percentile(off, 99);
    const onP99Ms = percentile(on, 99);
    return {
      latencyMs,
      rounds,
      eventsPerBatch: events,
      inFlight,
      offMedianMs: round(offMedianMs, 1),
      onMedianMs: round(onMedianMs, 1),
      offP99Ms: round(offP99Ms, 1),
      onP99Ms: round(onP99Ms, 1),
      offCpuPerEventMs: round(cpuMs.off / (rounds * events), 2),
      onCpuPerEventMs: round(cpuMs.on / (rounds * events), 2),
      medianRatio: round(onMedianMs / offMedianMs, 3),
      p99Ratio: round(onP99Ms / offP99Ms, 3),
      ingestedItems: { ...ingestion.items },
      ingestionRequests: { ...ingestion.requests },
      statuses,
      node,
    };
  } finally {
    clearInterval(trim);
    rmSync(tmp, { recursive: true, force: true });
    await new Promise((r) => ingestion.server.close(r));
    await emulator.stop();
  }
}

if (require.main === module) {
  const i = process.argv.indexOf('--latency-ms');
  const latencyMs = i >= 0 ? Number(process.argv[i + 1]) : undefined;
  runTelemetryBench(latencyMs !== undefined ? { latencyMs } : {})
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
