/**
 * Chaos runs (issue 13): one remediator process is SIGKILLed at a named step and/or loses storage (both loopback
 * proxies, Table and Queue, switched off) for a window; then Event Grid's redeliveries (possibly several at once, each
 * its own process, the clock past any lease) until one is answered. A race run stalls the first delivery's ARM write
 * and sends a redelivery while it holds the lease (it must not be acknowledged). Judged against the emulator's world:
 * nothing lost (the event answered, the role exists, a heal revision runs), exactly one of each write, no `applied`
 * without the write, no `healed` without a running revision.
 */
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RequestLogEntry, World } from '../../emulator/api';
import { startEmulator } from '../../emulator/server';
import { loadWorld } from '../../emulator/world';
import type { RunningAzurite } from '../../src/local/azurite';
import type { Json } from '../../src/store/port';
import { readWorkRecord } from '../../src/work/work-record';
import type { ChaosChildInput, ChaosChildOutput } from './child';
import { startStorageProxy, type StorageProxy } from './proxy';
import { createWarmPool, prepareBoot, type WarmPool } from './warm-pool';
import { bundleChild, startWebhookSink, type WebhookSink } from '../util';

/** Every checkpoint of the pipeline and the heal, in the order a clean run passes them (with the passage number). */
export const CHAOS_STEPS: ReadonlyArray<{ step: string; occurrence: number }> = [
  { step: 'event-claimed', occurrence: 1 },
  { step: 'story-claimed', occurrence: 1 },
  { step: 'fix-claimed:assign-role', occurrence: 1 },
  { step: 'write:assign-role', occurrence: 1 },
  { step: 'written:assign-role', occurrence: 1 },
  { step: 'recorded:assign-role', occurrence: 1 },
  { step: 'fix-claimed:redeploy-revision', occurrence: 1 },
  { step: 'write:redeploy-revision', occurrence: 1 },
  { step: 'written:redeploy-revision', occurrence: 1 },
  { step: 'recorded:redeploy-revision', occurrence: 1 },
  { step: 'heal-claimed:redeploy', occurrence: 1 },
  { step: 'write:redeploy-revision', occurrence: 2 },
  { step: 'written:redeploy-revision', occurrence: 2 },
  { step: 'recorded:redeploy-revision', occurrence: 2 },
  { step: 'story-completed', occurrence: 1 },
  { step: 'event-completed', occurrence: 1 },
  { step: 'heal-claimed:check', occurrence: 1 },
  { step: 'heal-recorded:check', occurrence: 1 },
];

export interface ChaosRunSpec {
  killAt?: { step: string; occurrence: number };
  /** With a `write:` kill: SIGKILL this long after the step, while the ARM write is in flight. */
  killDelayMs?: number;
  outageAt?: { step: string; occurrence: number };
  outageMs?: number;
  /** Concurrent redeliveries per round. */
  redeliveries: number;
  /** Stall the first delivery's role write and redeliver while it holds the lease. */
  race?: boolean;
  /**
   * First a dry-run delivery of the failure (it must plan and write nothing); then the mode is switched to auto-fix
   * (the app setting) and the same event is delivered again: it must be acted on.
   */
  dryRunFirst?: boolean;
  /**
   * The app's identity is fresh: the directory knows it only 90 s after the first delivery (between the first and the
   * second redelivery round), so the first attempts get `PrincipalNotFound` (transient: answered with an error).
   */
  principalNotFound?: boolean;
  /**
   * ARM is out (503 on every request) from the health check on, until its heal message has been dequeued 5 times and
   * moved to the poison queue; the `healPoison` handler must audit `abandoned` once, tell the team once and leave no
   * work `scheduled`. (With the chaos settings the redeploy runs inside the delivery, so the check is the queued step.)
   */
  poison?: boolean;
}

export interface ChaosRunResult {
  spec: ChaosRunSpec;
  lost: boolean;
  duplicateWrites: number;
  falseApplied: number;
  falseHealed: number;
  /** A redelivery acknowledged while the first delivery still held the work (race runs). */
  raceAcknowledged: boolean;
  /**
   * The scenario's own expectations that were not met: a dry-run that wrote or did not plan, no `PrincipalNotFound`
   * seen, a poison message not abandoned / told / closed exactly once.
   */
  unmet: string[];
  detail: string;
}

const WORLD = resolve(__dirname, '../../test/worlds/seed-story.json');
const EVENT = resolve(__dirname, '../../test/worlds/seed-story.event.json');
const PRINCIPAL = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';

/**
 * Where the runs happen: one Azurite for all (each run its own tables and queues), the remediator child bundled once
 * and started ahead (bench/chaos/warm-pool.ts).
 */
export interface ChaosBench {
  azurite: RunningAzurite;
  pool: WarmPool;
  dispose(): Promise<void>;
}

/** `warm`: instances kept started ahead (default 3: a run's first delivery and its redeliveries). */
export async function prepareChaosChild(azurite: RunningAzurite, opts: { warm?: number } = {}): Promise<ChaosBench> {
  const dir = mkdtempSync(join(tmpdir(), 'acr-chaos-'));
  try {
    await bundleChild(resolve(__dirname, 'child.ts'), join(dir, 'child.js'), { minify: true });
    const pool = createWarmPool(await prepareBoot(dir), opts.warm ?? 3);
    return {
      azurite,
      pool,
      dispose: async () => {
        await pool.dispose();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** One delivery by one instance: steps are told to `onStep` (which may cut storage there) before it goes on. */
async function runChild(
  bench: ChaosBench,
  input: ChaosChildInput,
  onStep: (step: string, n: number) => Promise<void>,
): Promise<ChaosChildOutput | 'killed'> {
  const { child, ready } = bench.pool.take();
  const exited = new Promise<ChaosChildOutput | 'killed'>((done) => {
    let out: ChaosChildOutput | undefined;
    const seen = new Map<string, number>();
    child.on('message', (m: unknown) => {
      if (typeof m !== 'object' || m === null) return; // `ready`
      const msg = m as { step?: string } & ChaosChildOutput;
      if (msg.step !== undefined) {
        const step = msg.step;
        const n = (seen.get(step) ?? 0) + 1;
        seen.set(step, n);
        void onStep(step, n).then(() => child.connected && child.send(`ack:${step}`));
      } else out = msg;
    });
    const finish = (signal: NodeJS.Signals | null): void =>
      done(signal === 'SIGKILL' ? 'killed' : (out ?? { error: 'no result' }));
    if (child.exitCode !== null || child.signalCode !== null) finish(child.signalCode);
    else child.once('exit', (_code, signal) => finish(signal));
  });
  if (await ready) child.send({ go: input });
  return exited;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ignoreSteps = async (): Promise<void> => undefined;

export async function runChaosRun(bench: ChaosBench, spec: ChaosRunSpec, n: number): Promise<ChaosRunResult> {
  const { azurite } = bench;
  const world = loadWorld(WORLD);
  const t0 = Date.parse(world.now ?? '2026-11-21T10:00:00Z');
  const at = (ms: number): string => new Date(t0 + ms).toISOString();
  if (spec.principalNotFound) world.directoryReplication = { [PRINCIPAL]: at(90_000) };
  const emu = await startEmulator({ world, propagationDelayMs: 0 });
  const proxies: StorageProxy[] = await Promise.all([
    startStorageProxy(Number(new URL(azurite.tableEndpoint).port)),
    startStorageProxy(Number(new URL(azurite.queueEndpoint).port)),
  ]);
  const sink = spec.poison ? await startWebhookSink() : undefined;
  const [tables, queues] = proxies as [StorageProxy, StorageProxy];
  let outage: Promise<void> | undefined;
  const cutStorage = (ms: number): void => {
    proxies.forEach((p) => p.setOnline(false));
    outage = sleep(ms).then(() => proxies.forEach((p) => p.setOnline(true)));
  };
  try {
    const connectionString = azurite.connectionString
      .replace(/TableEndpoint=[^;]+/, `TableEndpoint=http://127.0.0.1:${tables.port}/devstoreaccount1`)
      .replace(/QueueEndpoint=[^;]+/, `QueueEndpoint=http://127.0.0.1:${queues.port}/devstoreaccount1`);
    const event = JSON.parse(readFileSync(EVENT, 'utf8')) as Record<string, unknown>;
    const tag = `${n}x${Date.now().toString(36)}`;
    const base = {
      endpoint: emu.endpoint,
      caPath: emu.caPath,
      connectionString,
      claimsTable: `chaos${tag}`,
      healQueue: `chaos-heal-${tag}`,
      mode: 'auto-fix' as const,
      batch: [{ ...event, id: `chaos-${tag}` }],
      ...(sink ? { teamsWebhookUrl: `${sink.url}/teams` } : {}),
    };
    const unmet: string[] = [];
    if (spec.dryRunFirst) {
      // The team tries dry-run first: the plan is told, nothing is written.
      const before = emu.requestLog.length;
      const dry = await runChild(bench, { ...base, mode: 'dry-run', now: at(0) }, ignoreSteps);
      const writes = emu.requestLog.slice(before).filter((r) => r.write).length;
      const actions = dry === 'killed' ? [] : (dry.outcomes ?? []).flatMap((o) => o.actions);
      if (writes > 0) unmet.push(`the dry-run wrote to ARM ${writes} times`);
      if (!actions.includes('assign-role:planned') || actions.some((a) => !a.endsWith(':planned')))
        unmet.push(`the dry-run answered ${dry === 'killed' ? 'nothing' : (dry.error ?? actions.join(','))}`);
    }
    // Then the mode is auto-fix (the app setting switched) and the same event comes again.
    const answers: ChaosChildOutput[] = [];
    let raceAcknowledged = false;
    let racer: Promise<ChaosChildOutput | 'killed'> | undefined;
    if (spec.race) emu.addFault({ kind: 'latency', ms: 3000, method: 'PUT', path: 'roleAssignments', times: 1 });
    // An ARM outage longer than the heal message's 5 deliveries: it ends when the message is in the poison queue.
    const onPoisonStep = (step: string, k: number): Promise<void> => {
      if (spec.poison && step === 'heal-claimed:check' && k === 1) emu.addFault({ kind: 'error', status: 503 });
      if (step === 'heal-poisoned') emu.clearFaults();
      return Promise.resolve();
    };
    const onStep = async (step: string, k: number): Promise<void> => {
      const is = (s: { step: string; occurrence: number } | undefined): boolean =>
        s?.step === step && s.occurrence === k;
      if (spec.race && step === 'write:assign-role' && k === 1) {
        // Event Grid's 30 s timeout passed: it delivers again while this delivery still works (holds the lease, about
        // to write; the write then stalls 3 s). This delivery goes on once the racer answered (or after 10 s), so the
        // race is met however slowly the machine starts processes.
        racer = runChild(bench, { ...base, now: at(10_000), noHeal: true }, ignoreSteps);
        await Promise.race([racer, sleep(10_000)]);
      }
      if (is(spec.outageAt)) cutStorage(spec.outageMs ?? 500);
      await onPoisonStep(step, k);
    };
    const first = await runChild(
      bench,
      {
        ...base,
        now: at(0),
        ...(spec.killAt ? { killAt: spec.killAt.step, killOccurrence: spec.killAt.occurrence } : {}),
        ...(spec.killDelayMs ? { killDelayMs: spec.killDelayMs } : {}),
      },
      onStep,
    );
    if (first !== 'killed') answers.push(first);
    const raced = await racer;
    if (raced && raced !== 'killed') {
      // Acknowledged (an answer without error) while the first delivery held the work: Event Grid stops retrying.
      const acked = !raced.error && (raced.outcomes ?? []).length > 0;
      const firstDone = first !== 'killed' && !first.error;
      raceAcknowledged = acked && !(firstDone && raced.outcomes?.every((o) => o.status === 'duplicate'));
      answers.push(raced);
    }
    await outage; // storage is back
    // Event Grid's redeliveries, later on the clock than any lease, until one is answered without error.
    for (let round = 1; round <= 6; round++) {
      if (answers.some((a) => !a.error && (a.outcomes ?? []).length > 0) && round > 1) break;
      // The directory's replication runs on the emulator's clock.
      if (spec.principalNotFound) emu.clock.set(new Date(at(round * 60_000)));
      const outs = await Promise.all(
        Array.from({ length: spec.redeliveries }, () =>
          runChild(bench, { ...base, now: at(round * 60_000) }, onPoisonStep),
        ),
      );
      for (const o of outs) if (o !== 'killed') answers.push(o);
      if (outs.some((o) => o !== 'killed' && !o.error)) break;
    }
    if (spec.principalNotFound && !emu.requestLog.some((r) => r.status === 400 && /roleAssignments\//i.test(r.path)))
      unmet.push('no PrincipalNotFound was answered');
    if (spec.poison) {
      const abandoned = answers.flatMap((a) => a.heal ?? []).filter((h) => h === 'abandoned').length;
      if (abandoned === 0) unmet.push('no poison heal message was read');
      unmet.push(
        ...(await judgePoison(bench, base.claimsTable, String(base.batch[0]?.id), sink, spec.killAt !== undefined)),
      );
    }
    const result = { ...judge(spec, emu.requestLog, emu.snapshot(), answers, raceAcknowledged), unmet };
    await deleteRunStorage(azurite.connectionString, base.claimsTable, base.healQueue);
    return result;
  } finally {
    await Promise.all(proxies.map((p) => p.stop()));
    await sink?.stop();
    await emu.stop();
  }
}

/** One Azurite serves every run of a campaign: a judged run's tables and queues go (best effort). */
async function deleteRunStorage(conn: string, claimsTable: string, healQueue: string): Promise<void> {
  const options = { allowInsecureConnection: true };
  await Promise.allSettled([
    TableClient.fromConnectionString(conn, claimsTable, options).deleteTable(),
    TableClient.fromConnectionString(conn, `${claimsTable}audit`, options).deleteTable(),
    new QueueClient(conn, healQueue).deleteIfExists(),
    new QueueClient(conn, `${healQueue}-poison`).deleteIfExists(),
  ]);
}

/**
 * A poison heal message: the audit says `abandoned` once, the team was told once (the webhook sink), and no work of
 * the failure is left `scheduled` (read from Azurite directly, not through the proxies).
 */
async function judgePoison(
  bench: ChaosBench,
  claimsTable: string,
  eventId: string,
  sink: WebhookSink | undefined,
  killed: boolean,
): Promise<string[]> {
  const unmet: string[] = [];
  const conn = bench.azurite.connectionString;
  const audit = TableClient.fromConnectionString(conn, `${claimsTable}audit`, { allowInsecureConnection: true });
  let abandoned = 0;
  for await (const e of audit.listEntities<{ status?: string; eventId?: string }>())
    if (e.status === 'abandoned' && e.eventId === eventId) abandoned++;
  if (abandoned !== 1) unmet.push(`${abandoned} abandoned audit records`);
  const told = (sink?.received ?? []).filter((m) => /abandoned/i.test(m.body)).length;
  if (told !== 1) unmet.push(`the team was told of the abandonment ${told} times`);
  const claims = TableClient.fromConnectionString(conn, claimsTable, { allowInsecureConnection: true });
  for await (const e of claims.listEntities<{ value?: string }>()) {
    const record = readWorkRecord(
      typeof e.value === 'string' ? (JSON.parse(e.value) as Record<string, Json>) : undefined,
    );
    if (record?.state === 'scheduled') unmet.push(`work ${e.rowKey ?? ''} left scheduled`);
    // A delivery killed at a step may leave its lease behind; without kills nothing stays in progress.
    if (record?.state === 'in-progress' && !record.releasedAt && !killed)
      unmet.push(`work ${e.rowKey ?? ''} left in progress`);
  }
  return unmet;
}

/** The role assignments of the seed story's identity in the world. */
function findRoleAssignments(world: World): World['resources'] {
  return world.resources.filter((r) => {
    const p = (r['properties'] ?? {}) as Record<string, unknown>;
    return (
      r.type.toLowerCase() === 'microsoft.authorization/roleassignments' &&
      (typeof p['principalId'] === 'string' ? p['principalId'] : '').toLowerCase() === PRINCIPAL
    );
  });
}

/** Revisions the remediator created (deterministic `--heal-` suffix) and whether one of them runs. */
function findHealRevisions(world: World): Array<{ name: string; running: boolean }> {
  return world.resources
    .filter(
      (r) => r.type.toLowerCase() === 'microsoft.app/containerapps/revisions' && /--heal-/i.test(r['name'] as string),
    )
    .map((r) => {
      const p = (r['properties'] ?? {}) as Record<string, unknown>;
      return {
        name: r['name'] as string,
        running: (typeof p['runningState'] === 'string' ? p['runningState'] : '').toLowerCase() === 'running',
      };
    });
}

export function judge(
  spec: ChaosRunSpec,
  log: readonly RequestLogEntry[],
  world: World,
  answers: ChaosChildOutput[],
  raceAcknowledged = false,
): ChaosRunResult {
  const ok = (r: RequestLogEntry): boolean => r.status >= 200 && r.status < 300;
  const roleCreates = log.filter(
    (r) => r.method === 'PUT' && /roleAssignments\/[^/]+$/i.test(r.path) && r.status === 201,
  ).length;
  const appWrites = log.filter(
    (r) => (r.method === 'PATCH' || r.method === 'PUT') && /containerApps\/[^/]+$/i.test(r.path) && ok(r),
  ).length;
  const hasRole = findRoleAssignments(world).length > 0;
  const heals = findHealRevisions(world);
  const healRunning = heals.some((h) => h.running);
  const outcomes = answers.flatMap((a) => a.outcomes ?? []);
  const answered = answers.some((a) => !a.error && (a.outcomes ?? []).length > 0);
  let falseApplied = 0;
  for (const o of outcomes) {
    if (o.actions.includes('assign-role:applied') && !hasRole) falseApplied++;
    if (o.actions.includes('redeploy-revision:applied') && heals.length === 0) falseApplied++;
  }
  const saidHealed =
    answers.flatMap((a) => a.heal ?? []).includes('healed') || outcomes.some((o) => o.heal === 'healed');
  const falseHealed = saidHealed && !healRunning ? 1 : 0;
  return {
    spec,
    lost: !answered || !hasRole || !healRunning,
    duplicateWrites: Math.max(0, roleCreates - 1) + Math.max(0, appWrites - 1),
    falseApplied,
    falseHealed,
    raceAcknowledged,
    unmet: [],
    detail: `answers ${answers.length}, role creates ${roleCreates}, app writes ${appWrites}, heal revisions ${heals.map((h) => `${h.name}${h.running ? '(running)' : ''}`).join(',') || 'none'}, heal steps ${answers.flatMap((a) => a.heal ?? []).join(',') || 'none'}; ${answers.map((a) => a.error ?? a.outcomes?.map((o) => `${o.status}[${o.actions.join(',')}]`).join(' ')).join(' | ')}`,
  };
}
