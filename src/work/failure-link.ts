/**
 * The failure link: which story took a failure on, keyed by what every event of that failure carries before any
 * diagnosis — the resource and the ARM operation's correlation id (one operation, one failure; a revision failing on a
 * second registry is its own story and is not linked).
 *
 * Written (insert-if-absent, first story wins) by a story that planned a change to the world, BEFORE its first write.
 * A later event of the same failure reads it before diagnosing: once the world is fixed a fresh diagnosis would read it
 * as `unknown` (or a half-fixed world as something else) and start an actionless story of its own. So whoever saw the
 * world changed by that story finds the link: it was written before the change.
 */
import type { FailureEvent } from '../model';
import type { StateStore } from '../store/port';
import { readStoredPlan, type StoredPlan } from './stored-plan';
import type { WorkOutcome } from './work-record';

export const FAILURE_LINK_PARTITION = 'work:failure';

export interface FailureLink {
  storyKey: string;
  /** The event whose story it is. */
  eventId: string;
  /** The story's plan when it was linked (a later event carries it out if the story must be taken again). */
  plan?: StoredPlan;
}

/** The failure key of an event (undefined: it carries no correlation id, so nothing ties its events together). */
export function failureKeyOf(event: FailureEvent): string | undefined {
  if (!event.correlationId || event.focusLoginServer) return undefined;
  return `${event.resourceId}|${event.correlationId}`.toLowerCase();
}

export async function readFailureLink(store: StateStore, key: string): Promise<FailureLink | undefined> {
  const v = (await store.get(FAILURE_LINK_PARTITION, key))?.value;
  const storyKey = v?.['storyKey'];
  if (typeof storyKey !== 'string') return undefined;
  const eventId = typeof v?.['eventId'] === 'string' ? v['eventId'] : '';
  const plan = readStoredPlan((v?.['plan'] ?? undefined) as WorkOutcome | undefined);
  return { storyKey, eventId, ...(plan ? { plan } : {}) };
}

/** Link the failure to a story (insert-if-absent): false when another story had linked it first. */
export async function linkFailure(
  store: StateStore,
  key: string,
  link: { storyKey: string; eventId: string; plan: WorkOutcome },
): Promise<boolean> {
  return (await store.create(FAILURE_LINK_PARTITION, key, { ...link })) !== undefined;
}
