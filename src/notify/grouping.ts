/** The storm-grouping policy of notifications: which outcomes are told as one message and a digest. Pure. */
import type { FailureEvent, Outcome } from '../model';
import { stormKeyOf } from '../story';

/**
 * The storm group of an outcome: events sharing a cause share a key (src/story.ts, from the kind catalog).
 * An outcome without a diagnosis is its own group.
 */
export function buildGroupKey(outcome: Outcome, event: FailureEvent | undefined): string {
  const d = outcome.diagnosis;
  if (!d) return ['none', outcome.status, outcome.eventId].join('|').toLowerCase();
  return stormKeyOf(d, event);
}
