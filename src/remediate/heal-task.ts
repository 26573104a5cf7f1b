/**
 * The heal task's vocabulary: one step of a redeploy-and-check (`HealTask`), the port that runs it later
 * (`HealScheduler`) and its queue-message encoding. Pure: the Storage Queue adapter is src/adapters/queue-scheduler.ts.
 */
import type { DiagnosisKind, HealResult } from '../model';

export interface HealTask {
  /** Unique id of this step (stable for one step: a redelivered queue message carries the same id). */
  id: string;
  eventId: string;
  correlationId?: string;
  appId: string;
  /** The revision that failed (what the redeploy replaces). */
  failedRevisionName?: string;
  /** The deterministic suffix of the new revision. */
  revisionSuffix: string;
  /** The claim (partition `fix`) the executor took for this redeploy. */
  claimKey: string;
  /** When the failure happened (ISO): `healedAfterMs` counts from here. */
  failedAt: string;
  /**
   * `await-image`: ARM refused the deployment (no revision existed); nothing is redeployed, the check watches for the
   * next revision that carries `image` (the team's own deployment) and reports `healed` once it runs.
   */
  phase: 'redeploy' | 'check' | 'await-image';
  /** The image that failed (phase `await-image`). */
  image?: string;
  /** The new revision (phase `check`). */
  newRevisionName?: string;
  /** Checks done so far (phase `check`). */
  attempt: number;
  /** W3C traceparent of the event's trace, so the heal steps join it (absent without telemetry). */
  traceParent?: string;
  /** (adaptive schedule) When the role was granted (ISO): redeploy attempts are timed from it. */
  grantedAt?: string;
  /** (adaptive schedule) Offsets from the grant (ms) of this heal's failed redeploy attempts. */
  failedAfterMs?: number[];
  /** (adaptive schedule, phase `check`) Offset from the grant (ms) of the redeploy being checked. */
  attemptAfterMs?: number;
  /** What was diagnosed (for the follow-up message). */
  diagnosis?: { kind: DiagnosisKind; resourceId: string; summary: string };
  /** Approve mode: who approved the fix (the redeploy may then be written; the follow-up names them). */
  approvedBy?: string;
  /** The story this heal belongs to (an abandoned heal reopens it, so a later event may try again). */
  storyKey?: string;
}

export interface HealScheduler {
  schedule(task: HealTask, delayMs: number): Promise<void>;
  /** false when scheduled steps are not kept anywhere (no storage configured): a wait cannot be promised. */
  readonly durable?: boolean;
}

/** What a heal step did: its result, and whether it handed a follow-up step to the scheduler. */
export interface HealStepResult extends HealResult {
  rescheduled?: boolean;
}

export function encodeHealMessage(task: HealTask): string {
  return Buffer.from(JSON.stringify(task), 'utf8').toString('base64');
}

/** A queue message as the trigger hands it over (already parsed JSON, a JSON string, or base64 JSON) → HealTask. */
export function decodeHealMessage(message: unknown): HealTask {
  let v: unknown = message;
  if (typeof v === 'string') {
    const s = v.trim();
    v = JSON.parse(s.startsWith('{') ? s : Buffer.from(s, 'base64').toString('utf8'));
  }
  const t = v as Partial<HealTask> | null;
  if (
    !t ||
    typeof t !== 'object' ||
    typeof t.id !== 'string' ||
    typeof t.appId !== 'string' ||
    typeof t.claimKey !== 'string' ||
    typeof t.revisionSuffix !== 'string' ||
    (t.phase !== 'redeploy' && t.phase !== 'check' && t.phase !== 'await-image')
  ) {
    throw new TypeError('not a heal task message');
  }
  return t as HealTask;
}
