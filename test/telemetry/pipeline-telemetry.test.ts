/**
 * What the telemetry says after a simulated run is what the run did: one event through the Event Grid trigger handler
 * (auto-fix, seed-story world on the ARM emulator, real SDK clients), its heal step from the queue task, a Teams
 * post to a local sink. Spans (parent/child, attributes), metric values and log records are read back from the
 * OpenTelemetry SDK's in-memory exporters; no secret appears in any of them.
 */
import { context, propagation } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { makeEventGridHandler } from '../../src/functions/event-grid-failures';
import { handleHealCheck } from '../../src/functions/heal-check';
import type { PipelineDeps } from '../../src/pipeline';
import type { HealTask } from '../../src/remediate';
import { buildRuntimeDeps } from '../../src/runtime';
import { METRIC, SPAN } from '../../src/telemetry/names';
import { staticCredential, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { createContext } from '../functions/deps';
import { startInMemoryTelemetry, type InMemoryTelemetry } from './helpers';

const seed = JSON.parse(readFileSync(`${__dirname}/../worlds/seed-story.event.json`, 'utf8')) as { id: string };
const SECRET_SIG = 'TeamsSigNeverExported0123456789';
const INVOCATION_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const INVOCATION_SPAN = '00f067aa0ba902b7';

let emu: TestEmulator;
let sink: Server;
let telemetry: InMemoryTelemetry;
let deps: PipelineDeps;
const scheduled: HealTask[] = [];
const posted: string[] = [];
let logText = '';

beforeAll(async () => {
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      posted.push(body);
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const teamsUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/workflows/x/triggers/manual/paths/invoke?sig=${SECRET_SIG}`;
  telemetry = startInMemoryTelemetry([teamsUrl]);
  emu = await startTestEmulator('test/worlds/seed-story.json');
  deps = await buildRuntimeDeps({
    env: { ARM_ENDPOINT: emu.endpoint, LOG_LEVEL: 'info', REMEDIATOR_MODE: 'auto-fix', TEAMS_WEBHOOK_URL: teamsUrl },
    credential: staticCredential,
    clock: emu.clock,
    tlsCa: emu.ca,
    telemetry: false,
    otelLogs: true,
    armRetryOptions: { maxRetries: 1, retryDelayInMs: 5, maxRetryDelayInMs: 10 },
    logDestination: new Writable({
      write(chunk: Buffer, _e, cb) {
        logText += chunk.toString();
        cb();
      },
    }),
    extend: async () => ({ scheduler: { schedule: async (task: HealTask) => void scheduled.push(task) } }),
  });
  // The Functions host hands the invocation its trace context; the pre-invocation hook runs the handler inside it.
  const parent = propagation.extract(context.active(), { traceparent: `00-${INVOCATION_TRACE}-${INVOCATION_SPAN}-01` });
  const handler = makeEventGridHandler(() => Promise.resolve(deps));
  await context.with(parent, () => handler(seed, createContext('eventGridFailures').context));
  // The heal step, later, from the queue (its own invocation, no trace context of its own).
  const task = scheduled[0];
  if (task) await context.with(context.active(), () => handleHealCheck(JSON.parse(JSON.stringify(task)), deps));
}, 60_000);

afterAll(async () => {
  await telemetry?.handle.shutdown();
  await emu?.stop();
  await new Promise((r) => sink?.close(r));
});

const byName = (name: string): ReadableSpan[] => telemetry.spans.getFinishedSpans().filter((s) => s.name === name);
const one = (name: string): ReadableSpan => {
  const found = byName(name);
  expect(found.length).toBeGreaterThanOrEqual(1);
  return found[0] as ReadableSpan;
};
const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;

describe('telemetry of one simulated run (in-memory exporters)', () => {
  it('one trace for the event: the invocation → remediator.event → intake, diagnose, plan, guard, act, notify; heal joins it', () => {
    // The first redeploy attempt, and the next attempt it scheduled (the new role still propagates on the emulator's
    // clock, so the attempt failed): both carry the event's trace.
    expect(scheduled.map((t) => t.phase)).toEqual(['redeploy', 'redeploy']);
    expect(scheduled[1]?.failedAfterMs).toHaveLength(1);
    expect(scheduled.every((t) => t.traceParent?.includes(INVOCATION_TRACE))).toBe(true);
    const event = one(SPAN.event);
    expect(event.spanContext().traceId).toBe(INVOCATION_TRACE);
    expect(parentOf(event)).toBe(INVOCATION_SPAN);
    const eventSpanId = event.spanContext().spanId;
    for (const stage of [SPAN.intake, SPAN.diagnose, SPAN.plan, SPAN.guard, SPAN.act, SPAN.notify]) {
      const s = one(stage);
      expect({ stage, trace: s.spanContext().traceId, parent: parentOf(s) }).toEqual({
        stage,
        trace: INVOCATION_TRACE,
        parent: eventSpanId,
      });
    }
    const heal = one(SPAN.heal);
    expect(heal.spanContext().traceId).toBe(INVOCATION_TRACE);
    expect(heal.attributes['remediator.phase']).toBe('redeploy');
  });

  it('span attributes say what happened', () => {
    const event = one(SPAN.event);
    expect(event.attributes).toMatchObject({
      'remediator.event_id': seed.id,
      'remediator.door': 'event-grid',
      'remediator.mode': 'auto-fix',
      'remediator.status': 'diagnosed',
      'remediator.kind': 'acr-pull/missing-role',
    });
    expect(one(SPAN.diagnose).attributes['remediator.kind']).toBe('acr-pull/missing-role');
    expect(one(SPAN.guard).attributes).toMatchObject({
      'remediator.action_type': 'assign-role',
      'remediator.guard.allowed': true,
    });
    expect(one(SPAN.act).attributes['remediator.action_type']).toBe('assign-role');
    expect(one(SPAN.intake).attributes['remediator.duplicate']).toBe(false);
  });

  it('ARM calls are spans of the Azure SDK instrumentation, children of the stage that made them', () => {
    const diagnoseId = one(SPAN.diagnose).spanContext().spanId;
    const sdkSpans = telemetry.spans.getFinishedSpans().filter((s) => s.attributes['az.namespace'] !== undefined);
    expect(sdkSpans.length).toBeGreaterThan(0);
    const all = telemetry.spans.getFinishedSpans();
    const ancestors = (s: ReadableSpan): string[] => {
      const p = all.find((x) => x.spanContext().spanId === parentOf(s));
      return p ? [p.spanContext().spanId, ...ancestors(p)] : [];
    };
    expect(sdkSpans.some((s) => ancestors(s).includes(diagnoseId))).toBe(true);
    const underDiagnose = sdkSpans.filter((s) => ancestors(s).includes(diagnoseId));
    expect(underDiagnose.map((s) => [s.name, s.attributes['http.method']])).toContainEqual(['HTTP GET', 'GET']);
    expect(underDiagnose.map((s) => String(s.attributes['http.url']))).toEqual(
      expect.arrayContaining([expect.stringContaining('/providers/Microsoft.App/containerApps/web?')]),
    );
  });

  it('metric values are what the run did', async () => {
    const events = await telemetry.points(METRIC.events);
    expect(events.map((p) => [p.attributes, p.value])).toEqual([
      [{ 'remediator.door': 'event-grid', 'remediator.status': 'diagnosed' }, 1],
    ]);
    const diagnoses = await telemetry.points(METRIC.diagnoses);
    expect(diagnoses.map((p) => [p.attributes['remediator.kind'], p.value])).toEqual([['acr-pull/missing-role', 1]]);
    const actions = await telemetry.points(METRIC.actions);
    expect(
      actions.map((p) => [p.attributes['remediator.action_type'], p.attributes['remediator.status'], p.value]),
    ).toEqual(expect.arrayContaining([['assign-role', 'applied', 1]]));
    const ttd = await telemetry.points(METRIC.timeToDiagnose);
    expect(ttd).toHaveLength(1);
    expect((ttd[0]?.value as { count: number }).count).toBe(1);
    const budget = await telemetry.points(METRIC.budgetUsed);
    expect(budget.map((p) => p.value)).toEqual([expect.any(Number)]);
    expect(budget[0]?.value).toBeGreaterThanOrEqual(1);
  });

  it('log records carry the trace (operation id), the event id and the correlation id', () => {
    const records = telemetry.logs.getFinishedLogRecords();
    const eventRecords = records.filter((r) => r.attributes['eventId'] === seed.id);
    expect(eventRecords.length).toBeGreaterThan(0);
    const diagnosed = eventRecords.find((r) => r.attributes['kind'] === 'acr-pull/missing-role');
    expect(diagnosed?.spanContext?.traceId).toBe(INVOCATION_TRACE);
    expect(diagnosed?.attributes['correlationId']).toEqual(expect.any(String));
    expect(diagnosed?.severityText).toBe('INFO');
  });

  it('no secret in any span, metric or log record (the webhook was really posted to)', async () => {
    expect(posted.length).toBeGreaterThan(0);
    const everything = JSON.stringify({
      spans: telemetry.spans.getFinishedSpans().map((s) => ({ n: s.name, a: s.attributes, e: s.events, st: s.status })),
      logs: telemetry.logs.getFinishedLogRecords().map((r) => ({ b: r.body, a: r.attributes })),
      metrics: await telemetry.collect(),
    });
    expect(everything).not.toContain(SECRET_SIG);
    expect(everything).not.toMatch(/sig=(?!\[REDACTED)/);
    expect(logText).not.toContain(SECRET_SIG);
  });
});
