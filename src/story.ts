/**
 * The one definition of "one story" and "one storm", read from the kind catalog (src/kinds.ts):
 * - a story is one failure, handled once however many events report it (the pipeline claims its key);
 * - a storm is stories sharing one cause, told as one message and a digest (the notifier groups by its key).
 * Pure: the clock comes in.
 */
import { KINDS } from './kinds';
import type { Clock, Diagnosis, FailureEvent } from './model';

/** The identity of one failure, whatever event reports it. */
export function storyKeyOf(d: Diagnosis, event: FailureEvent, clock: Clock): string {
  const x = d.details;
  const story = KINDS[d.kind].story;
  switch (story.by) {
    case 'denial': {
      // The same denial can recur days later: one story per caller+action+scope per hour — the hour ARM refused it
      // (both doors read the same Activity Log entry's time, however late an Event Grid retry reads it), else now.
      const failed = x.failedAt ? Date.parse(x.failedAt) : NaN;
      const hour = (Number.isFinite(failed) ? new Date(failed) : clock.now()).toISOString().slice(0, 13);
      return [
        story.family,
        x.callerPrincipalId ?? event.caller?.principalId ?? '',
        x.deniedAction ?? '',
        x.deniedScope ?? '',
        hour,
      ]
        .join('|')
        .toLowerCase();
    }
    case 'revision':
      // One failed revision is one failure, whatever it is diagnosed as on the way (an event read after the first
      // fix landed sees the same failure as role-propagating) — per registry: a revision failing on two registries is
      // two stories.
      return [
        story.family,
        x.appId ?? d.resourceId,
        x.revisionName ?? event.correlationId ?? event.id,
        x.loginServer ?? '',
      ]
        .join('|')
        .toLowerCase();
    default: {
      const never: never = story.by;
      throw new Error(`unexpected story shape ${String(never)}`);
    }
  }
}

/**
 * The storm a diagnosed failure belongs to: events sharing a cause share a key.
 * Pull failures: cause + identity principal + registry; authorization failures: kind + caller + scope; otherwise
 * kind + resource.
 */
export function stormKeyOf(d: Diagnosis, event: FailureEvent | undefined): string {
  const x = d.details;
  const storm = KINDS[d.kind].storm;
  switch (storm.by) {
    case 'caller-scope':
      return [
        storm.family,
        x.callerPrincipalId ?? event?.caller?.principalId ?? '',
        x.deniedScope ?? event?.authorization?.scope ?? d.resourceId,
      ]
        .join('|')
        .toLowerCase();
    case 'pull-identity': {
      // One missing pull role, however it shows: once the first fix lands, later events of the same storm are
      // diagnosed role-propagating; they are the same storm, not a new one.
      const identity = x.identity
        ? (x.identity.principalId ??
          (x.identity.kind === 'user-assigned' ? x.identity.resourceId : `system:${x.appId ?? d.resourceId}`))
        : (x.callerPrincipalId ?? 'no-identity');
      const registry = x.registryId ?? x.loginServer ?? x.deniedScope ?? '';
      const extra = storm.withImage ? (x.image ?? '') : '';
      return [storm.family, identity, registry, extra].join('|').toLowerCase();
    }
    case 'resource':
      return [storm.family, d.resourceId].join('|').toLowerCase();
    default: {
      const never: never = storm.by;
      throw new Error(`unexpected storm shape ${String(never)}`);
    }
  }
}
