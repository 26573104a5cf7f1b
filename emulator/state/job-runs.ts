/**
 * Executions of Container Apps jobs (`Microsoft.App/jobs/executions`, shaped as the REST spec's `JobExecution`:
 * `properties.status`, `startTime`, `endTime`, `template`) on the emulator clock:
 * - `start` (POST …/start, any trigger type) creates one now;
 * - a `Schedule` job fires on its `scheduleTriggerConfig.cronExpression` (5 fields, UTC: `*`, lists, ranges, steps),
 *   once per matching minute the clock has passed since the emulator started (or the job was last written);
 * - an `Event` job fires at the first polling tick (`eventTriggerConfig.scale.pollingInterval`, default 30 s) after
 *   each event the world's `jobEvents` lists for it.
 * Each execution pulls every image of its template with the job's registries as they are when it fires: `Failed`
 * (ended at once) when a pull fails, else `Running`, then `Succeeded` once its run time (60 s, within
 * `replicaTimeout`) has passed. Executions are brought up to date lazily, before any request about jobs is answered.
 */
import { keyOf, lastSegment, shortHash } from '../ids';
import { clone, obj, str } from '../values';
import type { ContainerAppsLifecycle } from './container-apps';
import type { Resource, ResourceStore } from './store';

const T_JOB = 'microsoft.app/jobs';
const T_EXECUTION = 'Microsoft.App/jobs/executions';
/** How long a successful execution runs before it is `Succeeded`. */
const RUN_MS = 60_000;
/** Fired executions kept per catch-up (a clock jumped by months does not flood the job's history). */
const MAX_FIRES = 50;

export class JobRuns {
  /** Job key → epoch ms up to which its triggers have been evaluated. */
  private readonly evaluatedTo = new Map<string, number>();
  private readonly startedAtMs: number;

  constructor(
    private readonly store: ResourceStore,
    private readonly apps: ContainerAppsLifecycle,
  ) {
    this.startedAtMs = store.clock.now().getTime();
  }

  /** A job was written now: its schedule counts from here. */
  noteWritten(jobId: string): void {
    this.evaluatedTo.set(keyOf(jobId), this.store.clock.now().getTime());
  }

  /** Start one execution of `job` at `atMs` (now by default) with `template` (default: the job's own). */
  start(job: Resource, template?: Record<string, unknown>, atMs = this.store.clock.now().getTime()): Resource {
    const jobTemplate = obj(obj(job.properties)['template']);
    const t = template ?? {
      ...(jobTemplate['initContainers'] ? { initContainers: clone(jobTemplate['initContainers']) } : {}),
      containers: clone(jobTemplate['containers'] ?? []),
    };
    const verdict = this.apps.evaluateTemplate(job, t);
    const startTime = new Date(atMs).toISOString();
    const name = `${lastSegment(job.id)}-${shortHash(keyOf(job.id), String(this.store.nextCounter()))}`;
    const execution: Resource = {
      id: `${job.id}/executions/${name}`,
      name,
      type: T_EXECUTION,
      properties: {
        status: verdict.ok ? 'Running' : 'Failed',
        startTime,
        ...(verdict.ok ? {} : { endTime: startTime }),
        template: t,
      },
    };
    this.store.put(execution);
    return execution;
  }

  /** Bring every job's executions up to the clock: fire due triggers, end executions whose run time has passed. */
  advance(): void {
    const nowMs = this.store.clock.now().getTime();
    for (const job of this.store.ofType(T_JOB)) {
      const key = keyOf(job.id);
      const fromMs = this.evaluatedTo.get(key) ?? this.startedAtMs;
      if (nowMs <= fromMs) continue;
      this.evaluatedTo.set(key, nowMs);
      for (const at of this.dueFires(job, fromMs, nowMs).slice(-MAX_FIRES)) this.start(job, undefined, at);
    }
    for (const x of this.store.ofType(T_EXECUTION)) {
      const p = obj(x.properties);
      const startMs = Date.parse(str(p['startTime']) ?? '');
      if (str(p['status']) !== 'Running' || !(startMs + RUN_MS <= nowMs)) continue;
      this.store.put({
        ...x,
        properties: { ...p, status: 'Succeeded', endTime: new Date(startMs + RUN_MS).toISOString() },
      });
    }
  }

  /** When `job`'s trigger fires in (fromMs, toMs], ascending. */
  private dueFires(job: Resource, fromMs: number, toMs: number): number[] {
    const config = obj(obj(job.properties)['configuration']);
    const trigger = str(config['triggerType'])?.toLowerCase();
    if (trigger === 'schedule') {
      const cron = parseCron(str(obj(config['scheduleTriggerConfig'])['cronExpression']) ?? '');
      if (!cron) return [];
      const out: number[] = [];
      // Minute by minute (bounded to a year of catch-up).
      const first = Math.floor(fromMs / 60_000) * 60_000 + 60_000;
      const last = Math.min(toMs, first + 366 * 24 * 3_600_000);
      for (let m = first; m <= last; m += 60_000) if (cronMatches(cron, new Date(m))) out.push(m);
      return out;
    }
    if (trigger === 'event') {
      const pollingMs =
        Number(obj(obj(config['eventTriggerConfig'])['scale'])['pollingInterval'] ?? 30) * 1000 || 30_000;
      return (this.store.jobEvents.get(keyOf(job.id)) ?? [])
        .map((t) => Date.parse(t))
        .filter(Number.isFinite)
        .map((t) => Math.ceil(t / pollingMs) * pollingMs)
        .filter((t) => t > fromMs && t <= toMs)
        .sort((a, b) => a - b);
    }
    return [];
  }
}

/** The job's executions, newest first. */
export function executionsOf(store: ResourceStore, jobId: string): Resource[] {
  const prefix = `${keyOf(jobId)}/executions/`;
  return store
    .ofType(T_EXECUTION)
    .filter((e) => keyOf(e.id).startsWith(prefix))
    .sort((a, b) =>
      (str(obj(b.properties)['startTime']) ?? '').localeCompare(str(obj(a.properties)['startTime']) ?? ''),
    );
}

// ---- cron (5 fields, UTC) — the emulator's own copy: it must not share logic with the code it tests ----------------

type CronField = ReadonlySet<number>;
interface Cron {
  minute: CronField;
  hour: CronField;
  dom: CronField;
  month: CronField;
  dow: CronField;
  domAny: boolean;
  dowAny: boolean;
}

const RANGES: ReadonlyArray<[number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

export function parseCron(expr: string): Cron | undefined {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) return undefined;
  const fields: Array<Set<number>> = [];
  for (const [i, part] of parts.entries()) {
    const [lo, hi] = RANGES[i] as [number, number];
    const set = new Set<number>();
    for (const item of part.split(',')) {
      const [range = '', stepText] = item.split('/');
      const step = stepText === undefined ? 1 : Number(stepText);
      const bounds = range === '*' ? [lo, hi] : range.split('-').map(Number);
      const a = bounds[0];
      const b = bounds[1] ?? (stepText === undefined ? a : hi);
      if (a === undefined || b === undefined || !Number.isInteger(a) || !Number.isInteger(b)) return undefined;
      if (!(step >= 1) || a < lo || b > hi) return undefined;
      for (let v = a; v <= b; v += step) set.add(i === 4 && v === 7 ? 0 : v);
    }
    fields.push(set);
  }
  const [minute, hour, dom, month, dow] = fields as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  return { minute, hour, dom, month, dow, domAny: parts[2] === '*', dowAny: parts[4] === '*' };
}

export function cronMatches(c: Cron, d: Date): boolean {
  if (!c.minute.has(d.getUTCMinutes()) || !c.hour.has(d.getUTCHours()) || !c.month.has(d.getUTCMonth() + 1))
    return false;
  const dom = c.dom.has(d.getUTCDate());
  const dow = c.dow.has(d.getUTCDay());
  // Classic cron: when both day fields are restricted, either may match.
  if (!c.domAny && !c.dowAny) return dom || dow;
  return dom && dow;
}
