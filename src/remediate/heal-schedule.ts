/**
 * The adaptive heal schedule after a fresh role grant: when to try the next redeploy, as an offset from the grant.
 * Pure.
 *
 * - Nothing learned yet: a backoff from the grant, the first attempt after `firstMs` and each gap twice the last,
 *   capped at `maxGapMs` (1, 3, 7, 15, 23 … minutes after the grant by default).
 * - What recent heals showed (`PropagationSample`s: propagation took longer than `afterMs` and at most `byMs`) gives a
 *   bracket: the latest failed attempt and the earliest success over the last heals when they agree (a tenant whose
 *   propagation is steady), else their hull (a tenant whose propagation varies). The first attempt goes halfway into
 *   the bracket, the next at its top (which worked before); past the top, the backoff again. Each heal narrows the bracket for the next; old samples age out, so a
 *   tenant whose propagation becomes faster or slower is followed.
 */

export interface HealScheduleSettings {
  /** First attempt after the grant when nothing is known. */
  firstMs: number;
  /** Longest gap between two attempts. */
  maxGapMs: number;
  /** Shortest gap between two attempts. */
  minGapMs: number;
}

export const DEFAULT_HEAL_SCHEDULE: HealScheduleSettings = {
  firstMs: 60_000,
  maxGapMs: 8 * 60_000,
  minGapMs: 30_000,
};

/** One heal: the role took effect later than `afterMs` (a failed attempt; 0 when none) and by `byMs` after the grant. */
export interface PropagationSample {
  afterMs: number;
  byMs: number;
}

/** How many recent heals the bracket is drawn from. */
export const PROPAGATION_SAMPLES = 5;

export interface PropagationBracket {
  lowMs: number;
  highMs: number;
}

/** The bracket recent heals put propagation in (undefined when nothing was learned yet). */
export function computePropagationBracket(samples: readonly PropagationSample[]): PropagationBracket | undefined {
  const recent = samples.slice(-PROPAGATION_SAMPLES);
  if (recent.length === 0) return undefined;
  const lowMs = Math.max(...recent.map((s) => s.afterMs));
  const highMs = Math.min(...recent.map((s) => s.byMs));
  if (lowMs < highMs) return { lowMs, highMs };
  // The heals disagree (propagation varies here): the span they cover.
  return { lowMs: Math.min(...recent.map((s) => s.afterMs)), highMs: Math.max(...recent.map((s) => s.byMs)) };
}

/** Offset from the grant of the next redeploy attempt, given the offsets of this heal's failed attempts. */
export function computeNextAttemptMs(
  failedAfterMs: readonly number[],
  bracket: PropagationBracket | undefined,
  s: HealScheduleSettings,
): number {
  const lastFail = failedAfterMs.length > 0 ? Math.max(...failedAfterMs) : undefined;
  if (bracket && (lastFail === undefined || lastFail < bracket.highMs)) {
    if (lastFail !== undefined) return bracket.highMs;
    const { lowMs, highMs } = bracket;
    return Math.min(highMs, Math.max(lowMs + s.minGapMs, (lowMs + highMs) / 2));
  }
  if (lastFail === undefined) return s.firstMs;
  // The backoff after the last failure, counting only the failures past what earlier heals needed.
  const beyond = bracket ? failedAfterMs.filter((f) => f >= bracket.highMs).length : failedAfterMs.length;
  return lastFail + Math.max(s.minGapMs, Math.min(s.maxGapMs, s.firstMs * 2 ** Math.max(1, beyond)));
}

/** The samples after one more heal (the newest last, at most `PROPAGATION_SAMPLES`). */
export function addPropagationSample(
  samples: readonly PropagationSample[],
  failedAfterMs: readonly number[],
  healedAfterMs: number,
): PropagationSample[] {
  const afterMs = failedAfterMs.length > 0 ? Math.max(...failedAfterMs) : 0;
  return [...samples, { afterMs, byMs: Math.max(healedAfterMs, afterMs + 1) }].slice(-PROPAGATION_SAMPLES);
}
