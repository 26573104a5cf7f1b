/**
 * A story's plan as its work record keeps it: the diagnosis and the planned actions, written (`HeldLease.note`) before
 * the first fix, so a delivery that takes the story over carries out the same plan (src/pipeline.ts).
 */
import { KINDS } from '../kinds';
import { ACTION_TYPES, type Action, type Diagnosis } from '../model';
import type { Json } from '../store/port';
import type { WorkOutcome } from './work-record';

export interface StoredPlan {
  diagnosis: Diagnosis;
  actions: Action[];
  /** The story it belongs to (an event's record names it: a resumed event does not diagnose again). */
  storyKey: string;
}

export function toStoredPlan(diagnosis: Diagnosis, actions: readonly Action[], storyKey: string): WorkOutcome {
  return JSON.parse(JSON.stringify({ diagnosis, actions, storyKey })) as WorkOutcome;
}

const isObject = (v: Json | undefined): v is { [k: string]: Json } =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The stored plan, or undefined when none was recorded (or it is not one this version wrote). */
export function readStoredPlan(plan: WorkOutcome | undefined): StoredPlan | undefined {
  const d = plan?.['diagnosis'];
  const actions = plan?.['actions'];
  const storyKey = plan?.['storyKey'];
  if (!isObject(d) || !Array.isArray(actions) || typeof storyKey !== 'string') return undefined;
  const kind = d['kind'];
  if (typeof kind !== 'string' || !(kind in KINDS) || typeof d['resourceId'] !== 'string') return undefined;
  if (!isObject(d['details']) || !Array.isArray(d['evidence'])) return undefined;
  const known = (a: Json): boolean =>
    isObject(a) && typeof a['status'] === 'string' && (ACTION_TYPES as readonly Json[]).includes(a['type'] ?? null);
  if (!actions.every(known)) return undefined;
  // Written by toStoredPlan from a Diagnosis and Actions: the checks above tell it from anything else.
  return { diagnosis: d as unknown as Diagnosis, actions: actions as unknown as Action[], storyKey };
}
