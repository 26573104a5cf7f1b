/**
 * `npm run bench`: every benchmark, against the ARM emulator (HTTPS on loopback) and Azurite (in-process), printed as
 * a table (figure | value | target | ok), or with `--json` as one JSON document on stdout. Bounded loops; stops by
 * itself. Figures are described in bench/RESULTS.md. `--skip-chaos` leaves out the chaos campaign (its ~10 minutes; it
 * has its own command, `npm run chaos`).
 */
import { runAuthzBench } from './authz.bench';
import { countChaos, runChaosCampaign } from './chaos';
import { FUNCTIONS_ALONE_TRIGGERS, runColdStartBench } from './cold-start.bench';
import { runDiagnoseBench } from './diagnose.bench';
import { runEmulatorBench } from './emulator.bench';
import { runHealBench } from './heal.bench';
import { runIntakeBench } from './intake.bench';
import { runMemoryBench } from './memory.bench';
import { runPipelineBench } from './pipeline.bench';
import { runStormBench } from './storm.bench';
import { runTenantBench } from './tenant.bench';
import { runTelemetryBench } from './telemetry.bench';
import { round } from './util';

export interface Figure {
  figure: string;
  value: number | string;
  target: string;
  /** undefined: no target (an extra figure). */
  ok?: boolean;
}

const le = (v: number, max: number): boolean => v <= max;

/** The chaos campaign (issue 13): 200 randomized runs, seed 13, in separate processes. */
async function addChaosFigures(
  figures: Figure[],
  raw: Record<string, unknown>,
  progress: (s: string) => void,
): Promise<void> {
  progress('chaos campaign (issue 13: 200 randomized runs, seed 13, separate processes; the longest part)');
  const ch = await runChaosCampaign(200, 13, progress);
  const cc = countChaos(ch.results);
  raw['chaos'] = { seed: ch.seed, concurrency: ch.concurrency, wallMs: ch.wallMs, ...cc };
  figures.push(
    {
      figure: `Chaos campaign, ${cc.runs} runs (seed ${ch.seed}): lost / duplicate writes / false applied / false healed`,
      value: `${cc.lost} / ${cc.duplicateWrites} / ${cc.falseApplied} / ${cc.falseHealed}`,
      target: '0 / 0 / 0 / 0',
      ok: cc.lost + cc.duplicateWrites + cc.falseApplied + cc.falseHealed + cc.unmet === 0 && cc.runs >= 200,
    },
    {
      figure: `Chaos campaign: scenario checks failed / wall time (${ch.concurrency} runs at once)`,
      value: `${cc.unmet} / ${round(ch.wallMs / 60_000, 1)} min`,
      target: '(extra)',
    },
  );
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const progress = (s: string): void => void process.stderr.write(`bench: ${s}\n`);
  const started = performance.now();
  const figures: Figure[] = [];
  const raw: Record<string, unknown> = {};

  progress('diagnose (request counts, critical path)');
  const d = await runDiagnoseBench();
  raw['diagnose'] = d;
  figures.push(
    {
      figure: 'ARM requests per diagnosed ACR-pull event, warm caches',
      value: d.warmRequests,
      target: '<= 4',
      ok: le(d.warmRequests, 4),
    },
    {
      figure: 'ARM requests per diagnosed ACR-pull event, cold caches',
      value: d.coldRequests,
      target: '<= 6',
      ok: le(d.coldRequests, 6),
    },
    {
      figure: 'Sequential ARM round trips on the critical path (warm)',
      value: d.criticalPathRoundTrips,
      target: '<= 3',
      ok: le(d.criticalPathRoundTrips, 3),
    },
    { figure: 'ARM requests for an ignored event', value: d.ignoredRequests, target: '0', ok: d.ignoredRequests === 0 },
  );

  progress('tenant size (issue 20: cold-cache ARM requests in worlds of 1, 50 and 500 subscriptions)');
  const tn = await runTenantBench();
  raw['tenant'] = tn;
  const tenantCounts = tn.map((r) => r.coldRequests);
  figures.push(
    {
      figure: `ARM requests to diagnose an ACR-pull event, cold caches, ${tn.map((r) => r.subscriptions).join(' / ')} subscriptions`,
      value: tenantCounts.join(' / '),
      target: 'the same at every size',
      ok: tenantCounts.every((n) => n === tenantCounts[0]),
    },
    {
      figure: 'The same where Resource Graph is refused (the per-subscription listing fallback)',
      value: tn.map((r) => r.coldRequestsWithoutGraph).join(' / '),
      target: '(extra)',
    },
  );

  progress('time to heal after a grant (issue 20: propagation 0.5 to 15 minutes of emulator time, 5 heals each)');
  const hb = await runHealBench();
  raw['heal'] = hb;
  figures.push(
    ...hb.delays.map((r) => ({
      figure: `Time to heal minus propagation (${r.label}), median of ${r.healed} heals / worst failed attempts per heal`,
      value: `${r.medianOvershootS} s / ${r.maxFailedAttempts}`,
      target: '<= 90 s / <= 3',
      ok: r.healed === r.overshootS.length && le(r.medianOvershootS, 90) && le(r.maxFailedAttempts, 3),
    })),
    {
      figure: 'First heal in a tenant (nothing learned yet), time to heal minus propagation, 0.5 / 2 / 5 / 10 / 15 min',
      value: hb.delays.map((r) => `${r.overshootS[0] ?? '-'} s`).join(' / '),
      target: '(extra)',
    },
    {
      figure: 'REMEDIATOR_HEAL_SCHEDULE=fixed-window, time to heal minus propagation, 0.5 / 2 / 5 / 10 / 15 min',
      value: hb.fixedWindow
        .map((r) => (r.healed > 0 ? `${r.medianOvershootS} s` : (r.notHealed[0]?.replace(/^heal \d+: /, '') ?? '-')))
        .join(' / '),
      target: '(extra)',
    },
    {
      figure: `Propagation drawn per assignment (${hb.lognormal.label}), ${hb.lognormal.healed} heals: median / worst failed attempts`,
      value: `${hb.lognormal.medianOvershootS} s / ${hb.lognormal.maxFailedAttempts}`,
      target: '(extra)',
    },
  );

  progress('AuthorizationFailed by both doors (issue 15: requests per kind, unrelated resource types)');
  const az = await runAuthzBench();
  raw['authz'] = az;
  figures.push(
    {
      figure: 'ARM requests for an Event Grid failure of an unrelated resource type',
      value: az.unrelatedTypeRequests,
      target: '<= 1',
      ok: le(az.unrelatedTypeRequests, 1),
    },
    {
      figure: 'ARM requests for an ignored Event Grid event (a success)',
      value: az.ignoredRequests,
      target: '0',
      ok: az.ignoredRequests === 0,
    },
    ...az.perKind.map((k) => ({
      figure: `ARM requests, ${k.kind}: Event Grid cold / warm, alert cold / warm`,
      value: `${k.eventGridCold} / ${k.eventGridWarm}, ${k.alertCold} / ${k.alertWarm}`,
      target: '(extra)',
    })),
  );

  progress('pipeline (dry-run requests, handler latency over 1,000 events at 50 ms ARM latency)');
  const p = await runPipelineBench({ events: 1000, latencyMs: 50, inFlight: 10 });
  const seq = await runPipelineBench({ events: 100, latencyMs: 50, inFlight: 1 });
  raw['pipeline'] = p;
  raw['pipelineSequential'] = seq;
  const budgetMs = d.criticalPathRoundTrips * p.latencyMs;
  const medianRatio = round(p.handlerMedianMs / budgetMs, 2);
  const p99Ratio = round(p.handlerP99Ms / budgetMs, 2);
  const remoteMedianRatio = round(p.remoteArmMedianMs / budgetMs, 2);
  const remoteP99Ratio = round(p.remoteArmP99Ms / budgetMs, 2);
  figures.push(
    {
      figure: 'Whole pipeline per event, dry-run, cold (ARM requests incl. guard re-reads)',
      value: p.dryRunRequestsCold,
      target: '(extra)',
    },
    {
      figure: 'Whole pipeline per event, dry-run, warm caches (ARM requests)',
      value: p.dryRunRequestsWarm,
      target: '(extra)',
    },
    {
      figure: 'Whole pipeline per event, dry-run, story already handled (ARM requests)',
      value: p.dryRunRequestsDuplicate,
      target: '(extra)',
    },
    {
      figure: `Handler latency median / (${d.criticalPathRoundTrips} round trips x ${p.latencyMs} ms), ${p.events} events, ${p.inFlight} in flight, ARM in its own process, handler in its own (after ${p.remoteArmWarmup} warm-up events)`,
      value: `${remoteMedianRatio} (${p.remoteArmMedianMs} ms)`,
      target: '<= 1.3',
      ok: le(remoteMedianRatio, 1.3),
    },
    {
      figure: `Handler latency p99 / (${d.criticalPathRoundTrips} x ${p.latencyMs} ms), ${p.events} events, ${p.inFlight} in flight, ARM in its own process, handler in its own (after ${p.remoteArmWarmup} warm-up events)`,
      value: `${remoteP99Ratio} (${p.remoteArmP99Ms} ms)`,
      target: '<= 1.3',
      ok: le(remoteP99Ratio, 1.3),
    },
    {
      figure: `A fresh instance's first delivery in each of its ${p.inFlight} lanes (cold caches, TLS, JIT; in the warm-up): fastest / slowest, and the warm-up's p99`,
      value: `${p.remoteArmFirstDeliveriesMs[0]} / ${p.remoteArmFirstDeliveriesMs[p.remoteArmFirstDeliveriesMs.length - 1]} ms, ${p.remoteArmWarmupP99Ms} ms`,
      target: '(extra)',
    },
    {
      figure: `The floor, measured the same way: only the critical path's 4 ARM reads per event through the same SDK clients, no pipeline: median / p99 / (2 x ${p.latencyMs} ms)`,
      value: `${round(p.floorMedianMs / budgetMs, 2)} / ${round(p.floorP99Ms / budgetMs, 2)} (${p.floorMedianMs} / ${p.floorP99Ms} ms)`,
      target: '(extra)',
    },
    {
      figure: `CPU time of the handler's process per event, the handler / the floor's 4 reads alone (${p.remoteArmNode})`,
      value: `${p.remoteArmCpuPerEventMs} / ${p.floorCpuPerEventMs} ms`,
      target: '(extra)',
    },
    {
      figure: `Handler latency median / p99, ${p.events} events, ${p.inFlight} in flight, emulator in the handler's process`,
      value: `${medianRatio} / ${p99Ratio} (${p.handlerMedianMs} / ${p.handlerP99Ms} ms)`,
      target: '(extra)',
    },
    {
      figure: `Handler latency median / p99, ${seq.events} events one at a time`,
      value: `${round(seq.handlerMedianMs / budgetMs, 2)} / ${round(seq.handlerP99Ms / budgetMs, 2)} (${seq.handlerMedianMs} / ${seq.handlerP99Ms} ms)`,
      target: '(extra)',
    },
  );

  progress('telemetry cost (handler off / on alternately, fresh processes, Azure Monitor distro to a local endpoint)');
  const t = await runTelemetryBench({ latencyMs: 50 });
  const tCpu = await runTelemetryBench({ latencyMs: 0 });
  raw['telemetry'] = t;
  raw['telemetryNoLatency'] = tCpu;
  const items = (r: typeof t): number => Object.values(r.ingestedItems).reduce((a, b) => a + b, 0);
  figures.push(
    {
      figure: `Telemetry cost: handler latency median on / off, ${t.rounds} batches of ${t.eventsPerBatch} events each side, ${t.inFlight} in flight, ${t.latencyMs} ms ARM latency`,
      value: `${t.medianRatio} (${t.onMedianMs} / ${t.offMedianMs} ms)`,
      target: '<= 1.1',
      ok: le(t.medianRatio, 1.1),
    },
    {
      figure: `Telemetry cost: handler latency p99 on / off, ${t.latencyMs} ms ARM latency`,
      value: `${t.p99Ratio} (${t.onP99Ms} / ${t.offP99Ms} ms)`,
      target: '(extra)',
    },
    {
      figure: 'Telemetry cost: median on / off with no ARM latency (CPU only; emulator in the bench process)',
      value: `${tCpu.medianRatio} (${tCpu.onMedianMs} / ${tCpu.offMedianMs} ms)`,
      target: '(extra)',
    },
    {
      figure: 'Telemetry items exported by the "on" runs (Entra ID auth, local ingestion endpoint)',
      value: `${items(t)} (${Object.entries(t.ingestedItems)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
      target: '> 0',
      ok: items(t) > 0 && t.ingestionRequests.other === 0,
    },
  );

  progress('intake throughput');
  const i = runIntakeBench();
  raw['intake'] = i;
  figures.push(
    {
      figure: `Intake throughput, mixed batch of ${i.batchEvents} (90 % ignored), events/s`,
      value: i.intakeEventsPerSecond,
      target: '(extra)',
    },
    { figure: 'Intake cost / JSON.parse of the same body', value: i.costRatio, target: '<= 3', ok: le(i.costRatio, 3) },
  );

  progress('storm (2,000 events, 40 apps, 4 instances, auto-fix)');
  const s = await runStormBench();
  raw['storm'] = s;
  figures.push(
    {
      figure: 'Storm: role-assignment writes',
      value: s.roleAssignmentWrites,
      target: '= 2',
      ok: s.roleAssignmentWrites === 2,
    },
    {
      figure: 'Storm: redeploys (one per attempt): new revisions that run / failed attempts (role still propagating)',
      value: `${s.redeploys}: ${s.runningRedeploys} / ${s.failedRedeploys}`,
      target: '40 run, <= 3 failed per app',
      ok:
        s.runningRedeploys === 40 &&
        s.redeploys === s.runningRedeploys + s.failedRedeploys &&
        le(s.failedRedeploys, 3 * 40),
    },
    { figure: 'Storm: other ARM writes', value: s.otherWrites, target: '(extra)' },
    {
      figure: 'Storm: messages sent (Teams + Slack)',
      value: `${s.messages} (${s.teamsMessages} + ${s.slackMessages})`,
      target: '<= 12',
      ok: le(s.messages, 12),
    },
    {
      figure: 'Storm: apps healed / wall time / events per second',
      value: `${s.healed} / ${s.wallMs} ms / ${s.eventsPerSecond}`,
      target: '(extra)',
    },
  );

  progress('cold start (bundle vs @azure/functions alone, bundle vs unbundled require)');
  const c = await runColdStartBench();
  raw['coldStart'] = c;
  figures.push(
    {
      figure: `Cold start: bundle import / @azure/functions alone registering the same ${FUNCTIONS_ALONE_TRIGGERS} triggers`,
      value: `${c.importRatio} (${c.bundledImportMs} / ${c.functionsAloneImportMs} ms)`,
      target: '<= 1.5',
      ok: le(c.importRatio, 1.5),
    },
    {
      figure: 'Cold start: bundled / unbundled, import + the handlers the first invocation loads (fresh processes)',
      value: `${c.loadRatio} (${c.bundledLoadMs} / ${c.unbundledLoadMs} ms)`,
      target: '<= 0.7',
      ok: le(c.loadRatio, 0.7),
    },
    {
      figure: 'Bundle size: dist/main.js (imported) / dist/handlers.js (first invocation)',
      value: `${round(c.bundleBytes / 1024, 0)} KiB / ${round(c.handlersBytes / 1024, 0)} KiB`,
      target: '(extra)',
    },
  );

  progress('memory (10,000 and 50,000 events in a child process)');
  const m = await runMemoryBench();
  raw['memory'] = m;
  for (const pt of m.points) {
    figures.push({
      figure: `RSS after gc, ${pt.events.toLocaleString('en-US')} events (heap used ${pt.heapUsedMb} MB)`,
      value: `${pt.rssMb} MB`,
      target: pt.events === 0 ? '(baseline)' : '<= 150 MB',
      ...(pt.events === 0 ? {} : { ok: le(pt.rssMb, 150) }),
    });
  }
  figures.push({
    figure: 'RSS growth 10,000 → 50,000 events',
    value: `${m.rssGrowthMb} MB (heap ${m.heapGrowthMb} MB)`,
    target: 'no growth (<= 10 MB)',
    ok: le(m.rssGrowthMb, 10),
  });

  progress('emulator (start-up, round trip)');
  const e = await runEmulatorBench();
  raw['emulator'] = e;
  figures.push(
    {
      figure: 'Emulator start-up, first / second start (certificate already cached by earlier benchmarks)',
      value: `${e.coldStartupMs} / ${e.startupMs} ms`,
      target: '(extra)',
    },
    {
      figure: `Emulator GET round trip through the SDK, median / p99 (${e.calls} calls)`,
      value: `${e.roundTripMedianMs} / ${e.roundTripP99Ms} ms`,
      target: '(extra)',
    },
  );

  if (!process.argv.includes('--skip-chaos')) await addChaosFigures(figures, raw, progress);

  const totalMs = round(performance.now() - started, 0);
  if (json) {
    console.log(JSON.stringify({ totalMs, node: process.version, figures, raw }, null, 2));
  } else {
    const rows = figures.map((f) => [
      f.figure,
      String(f.value),
      f.target,
      f.ok === undefined ? '' : f.ok ? 'yes' : 'NO',
    ]);
    const head = ['figure', 'value', 'target', 'ok'];
    const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] ?? '').length)));
    const line = (r: string[]): string => `| ${r.map((c, k) => c.padEnd(widths[k] ?? 0)).join(' | ')} |`;
    console.log(line(head));
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const r of rows) console.log(line(r));
    console.log(`\ntotal ${round(totalMs / 1000, 1)} s, node ${process.version}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
