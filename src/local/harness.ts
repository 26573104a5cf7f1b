/**
 * The local harness: the whole remediator wired against the ARM emulator (HTTPS on loopback, real SDK clients) and
 * Azurite (Table + Queue in-process), on the emulator's clock. Used by `remediator simulate`, the demo, the benchmarks
 * and end-to-end tests. Nothing here is a stand-in for the pipeline: it is the same code the Functions run, with
 * other adapters.
 */
import type { Logger } from 'pino';
import { startEmulator } from '../../emulator';
import type { RunningEmulator, World } from '../../emulator/api';
import type { ArmPort } from '../azure/arm-port';
import { staticTokenCredential } from './static-credential';
import { loadConfig, type Config } from '../config';
import { parseIncoming } from '../intake';
import { createLogger } from '../logging';
import { isTransientError } from '../errors';
import type { HealResult, IntakeItem, Outcome, RemediatorMode } from '../model';
import type { Notifier } from '../notify';
import { processItems, type PipelineDeps } from '../pipeline';
import { ClockedScheduler, type HealTask } from '../remediate';
import { isToldHeal, toHealOutcome } from '../heal-pipeline';
import { buildDeps } from '../compose';
import type { StateStore } from '../store/port';
import { startAzurite, type RunningAzurite as LocalStorage } from './azurite';
import { randomBytes } from 'node:crypto';
import { startApprovalServer, type ApprovalServer } from '../adapters/approval-server';
import { encodeClientPrincipal } from '../approve/principal';

/** The person `simulate --approve-all` and the demo approve as (the harness's stand-in for an Entra sign-in). */
export const LOCAL_APPROVER = { objectId: '0a11ce00-0000-4000-8000-00000000a11c', name: 'Alice Approver (local)' };

/** Event Grid's retry delays after the 1st, 2nd, … failed delivery (DOMAIN.md), within its 24-hour bound. */
export const EVENT_GRID_RETRY_DELAYS_MS: readonly number[] = [
  10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000,
];

export interface HarnessOptions {
  world: World;
  mode?: RemediatorMode;
  /** Extra settings (same names as the app settings); process.env is NOT read unless passed here. */
  env?: Record<string, string | undefined>;
  log?: Logger;
  /** Use Azurite (default true); false = the in-memory store. */
  azurite?: boolean;
  /** Share an already running emulator (several instances, one ARM); it is not stopped by stop(). */
  emulator?: RunningEmulator;
  /** Share one heal scheduler between instances, as Function instances share one Storage Queue. */
  scheduler?: ClockedScheduler;
  /** Share an already running Azurite (several harnesses, one store). */
  storage?: LocalStorage;
  /** Emulator propagation delay for new role assignments (default: the emulator's). */
  propagationDelayMs?: number;
  /** Retries for the SDK clients (defaults are fast for loopback). */
  retry?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  concurrency?: number;
  /** Per-attempt ARM request time limit (the adapter's default otherwise). */
  requestTimeoutMs?: number;
}

export interface Harness {
  emulator: RunningEmulator;
  arm: ArmPort;
  store: StateStore;
  scheduler: ClockedScheduler;
  notifier: Notifier | undefined;
  config: Readonly<Config>;
  deps: PipelineDeps;
  log: Logger;
  /** Parse a delivery exactly as the doors do and run it through the pipeline. */
  deliver(payload: unknown): Promise<Outcome[]>;
  /**
   * Deliver as Event Grid does: when the pipeline throws a transient fault (e.g. the Activity Log entry is not there
   * yet), advance the emulator clock by Event Grid's next retry delay and deliver again, until it is acknowledged or
   * the schedule is used up (then the last fault is thrown). `onRetry` sees each retry.
   */
  deliverWithRetries(
    payload: unknown,
    onRetry?: (retry: { attempt: number; delayMs: number; error: unknown }) => void,
  ): Promise<Outcome[]>;
  /** Approve mode: the approval page, served on loopback (undefined in the other modes). */
  approval: ApprovalServer | undefined;
  /**
   * Approve every pending fix of these outcomes as a person would: open the link (GET), press Approve (POST), through
   * the approval server. Resolves the approved outcomes (the others unchanged).
   */
  approveAll(outcomes: Outcome[]): Promise<Outcome[]>;
  /**
   * Run every scheduled heal task (advancing the emulator clock), attach heal results, tell each settled heal as the
   * heal-check function does, flush digests and outbox.
   */
  settle(outcomes: Outcome[]): Promise<Outcome[]>;
  /** The last settle's final heal result per event that scheduled a heal (whatever that event's own outcome). */
  healResults(): ReadonlyArray<{ eventId: string; appId: string; result: HealResult }>;
  stop(): Promise<void>;
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const log = opts.log ?? createLogger({ level: 'silent' });
  const ownsEmulator = opts.emulator === undefined;
  const emulator =
    opts.emulator ??
    (await startEmulator({
      world: opts.world,
      ...(opts.propagationDelayMs !== undefined ? { propagationDelayMs: opts.propagationDelayMs } : {}),
    }));
  let storage: LocalStorage | undefined;
  let ownsStorage = false;
  let approval: ApprovalServer | undefined;
  try {
    if (opts.storage) storage = opts.storage;
    else if (opts.azurite !== false) {
      storage = await startAzurite();
      ownsStorage = true;
    }
    const mode = opts.mode ?? opts.env?.['REMEDIATOR_MODE'] ?? 'dry-run';
    const ref: { deps?: PipelineDeps } = {};
    if (mode === 'approve') {
      approval = await startApprovalServer(() => ref.deps as PipelineDeps, {
        principalHeader: encodeClientPrincipal(LOCAL_APPROVER),
      });
    }
    const env: Record<string, string | undefined> = {
      ...(approval
        ? {
            REMEDIATOR_APPROVAL_SIGNING_KEY: randomBytes(32).toString('hex'),
            REMEDIATOR_APPROVAL_URL: approval.url,
          }
        : {}),
      ...Object.fromEntries(Object.entries(opts.env ?? {}).filter(([, v]) => v !== undefined && v.trim() !== '')),
      REMEDIATOR_MODE: mode,
      // The local approver may always approve here (simulate --approve-all, the demo); others as configured.
      ...(approval
        ? {
            REMEDIATOR_APPROVERS: [opts.env?.['REMEDIATOR_APPROVERS'], LOCAL_APPROVER.objectId]
              .filter((x) => x && x.trim() !== '')
              .join(','),
          }
        : {}),
      ARM_ENDPOINT: emulator.endpoint,
      REMEDIATOR_STORAGE_CONNECTION: storage?.connectionString ?? '',
    };
    const config = loadConfig(env);
    const clock = emulator.clock;
    const scheduler = opts.scheduler ?? new ClockedScheduler(clock);
    const deps: PipelineDeps = await buildDeps({
      config,
      log,
      clock,
      credential: staticTokenCredential(),
      arm: {
        tlsCa: emulator.ca,
        retryOptions: { maxRetries: 3, retryDelayInMs: 20, maxRetryDelayInMs: 200, ...opts.retry },
        ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
      },
      scheduler,
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    });
    const { arm, store, notifier } = deps;
    ref.deps = deps;
    const approved: Outcome[] = [];
    if (approval) approval.onApproved = (r) => r.outcome && approved.push(r.outcome);

    let lastHeals: ReturnType<Harness['healResults']> = [];
    const harness: Harness = {
      emulator,
      arm,
      store,
      scheduler,
      notifier,
      config,
      deps,
      log,
      approval,
      async approveAll(outcomes: Outcome[]): Promise<Outcome[]> {
        const out: Outcome[] = [];
        for (const o of outcomes) {
          if (!approval || o.status !== 'diagnosed' || !o.approval) {
            out.push(o);
            continue;
          }
          approved.length = 0;
          await (await fetch(o.approval.approveUrl)).text(); // what a person sees first
          const token = new URL(o.approval.approveUrl).searchParams.get('t') ?? '';
          const res = await fetch(approval.url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ t: token }).toString(),
          });
          await res.text();
          out.push(approved[0] ?? o);
        }
        return out;
      },
      async deliver(payload: unknown): Promise<Outcome[]> {
        const items: IntakeItem[] = parseIncoming(payload);
        return processItems(items, deps);
      },
      async deliverWithRetries(payload, onRetry): Promise<Outcome[]> {
        for (let attempt = 1; ; attempt++) {
          try {
            return await harness.deliver(payload);
          } catch (error) {
            const delayMs = EVENT_GRID_RETRY_DELAYS_MS[attempt - 1];
            if (!isTransientError(error) || delayMs === undefined) throw error;
            onRetry?.({ attempt, delayMs, error });
            emulator.clock.advance(delayMs);
          }
        }
      },
      async settle(outcomes: Outcome[]): Promise<Outcome[]> {
        const results = await scheduler.runDue((ms: number) => emulator.clock.advance(ms), deps);
        const byEvent = new Map<string, { task: HealTask; result: HealResult }>();
        for (const r of results) byEvent.set(r.task.eventId, { task: r.task, result: r.result });
        lastHeals = [...byEvent].map(([eventId, r]) => ({ eventId, appId: r.task.appId, result: r.result }));
        // The heal belongs to the outcome that did the work, not to duplicate deliveries of the same event id.
        const settled = outcomes.map((o): Outcome => {
          if (o.status !== 'diagnosed') return o;
          const heal = byEvent.get(o.eventId)?.result;
          return heal ? { ...o, heal } : o;
        });
        if (notifier) {
          // Every settled heal is told as the heal-check function tells it (src/heal-pipeline.ts): from its task, once
          // per event that scheduled it — whatever that event's own outcome says (its first delivery may have been
          // answered for a batch that was redelivered; the delivery that counts then says `duplicate`).
          for (const { task, result } of byEvent.values())
            if (isToldHeal(result))
              await notifier
                .notifyHeal(toHealOutcome(task, config.mode), result)
                .catch((err: unknown) => log.error({ err }, 'heal follow-up failed'));
          // The run is over: close every digest window and send everything still waiting, now.
          await notifier.flushDigests({ closeAll: true });
          await notifier.flushOutbox({ closeAll: true });
        }
        return settled;
      },
      healResults: () => lastHeals,
      async stop(): Promise<void> {
        if (ownsEmulator) await emulator.stop();
        if (ownsStorage && storage) await storage.stop();
        if (approval) await approval.close();
      },
    };
    return harness;
  } catch (err) {
    if (ownsEmulator) await emulator.stop().catch(() => undefined);
    if (ownsStorage && storage) await storage.stop().catch(() => undefined);
    if (approval) await approval.close().catch(() => undefined);
    throw err;
  }
}
