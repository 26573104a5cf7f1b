/**
 * The cost of telemetry on the hot path: the Event Grid trigger handler's per-event wall time with telemetry off and
 * on, in the same run. Each measurement is a fresh child process (bench/telemetry-child.ts, bundled with esbuild and
 * run by plain `node`) that builds the real runtime deps from app settings; "on" sets
 * APPLICATIONINSIGHTS_CONNECTION_STRING so the Azure Monitor distro runs as in Azure (every span, metric and log record
 * exported with Entra ID auth) to a local HTTPS ingestion endpoint here that answers like Application Insights'
 * `/v2.1/track` and counts what it receives. Off and on children alternate (off, on, on, off, …) against the same ARM
 * emulator (in this process, `latencyMs` on every request, the seed story, dry-run), so load on the machine falls on
 * both alike. Ratio = median per-event time on / off (target ≤ 1.1); p99 ratio as an extra.
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
import { bundleChild, percentile, round } from './util';

const WORLDS = join(__dirname, '..', 'test', 'worlds');

export interface TelemetryBenchResult {
  latencyMs: number;
  rounds: number;
  eventsPerRun: number;
  inFlight: number;
  offMedianMs: number;
  onMedianMs: number;
  offP99Ms: number;
  onP99Ms: number;
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

function runChild(childJs: string, input: TelemetryChildInput, caPath: string): Promise<TelemetryChildResult> {
  return new Promise((resolve, reject) => {
    const child = fork(childJs, [], {
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
    let msg: (TelemetryChildResult & { error?: string }) | undefined;
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('message', (m) => (msg = m as TelemetryChildResult & { error?: string }));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (msg && !msg.error) resolve(msg);
      else reject(new Error(`telemetry child exited ${code}: ${msg?.error ?? stderr.slice(-2000)}`));
    });
  });
}

export async function runTelemetryBench(
  opts: { latencyMs?: number; rounds?: number; events?: number; warmup?: number; inFlight?: number } = {},
): Promise<TelemetryBenchResult> {
  const latencyMs = opts.latencyMs ?? 50;
  const rounds = opts.rounds ?? 3;
  const events = opts.events ?? 300;
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
    const off: number[] = [];
    const on: number[] = [];
    const statuses: Record<string, number> = {};
    let node = '';
    for (let r = 0; r < rounds; r++) {
      // off, on, on, off, off, on, …: neither side always runs first
      const order = r % 2 === 0 ? [false, true] : [true, false];
      for (const telemetry of order) {
        const result = await runChild(
          childJs,
          {
            endpoint: emulator.endpoint,
            caPath: emulator.caPath,
            now: emulator.clock.now().toISOString(),
            ...(telemetry ? { ingestionEndpoint: ingestion.url } : {}),
            seed,
            warmup,
            events,
            inFlight,
            runId: `tb-${r}-${telemetry ? 'on' : 'off'}`,
          },
          emulator.caPath,
        );
        (telemetry ? on : off).push(...result.samplesMs);
        for (const [k, v] of Object.entries(result.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
        node = result.node;
      }
    }
    off.sort((a, b) => a - b);
    on.sort((a, b) => a - b);
    const offMedianMs = percentile(off, 50);
    const onMedianMs = percentile(on, 50);
    const offP99Ms = percentile(off, 99);
    const onP99Ms = percentile(on, 99);
    return {
      latencyMs,
      rounds,
      eventsPerRun: events,
      inFlight,
      offMedianMs: round(offMedianMs, 1),
      onMedianMs: round(onMedianMs, 1),
      offP99Ms: round(offP99Ms, 1),
      onP99Ms: round(onP99Ms, 1),
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
