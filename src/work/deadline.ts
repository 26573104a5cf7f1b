/**
 * The invocation deadline: every ARM attempt, retry and the notification of one delivery fit inside it (default 25 s
 * for the Event Grid doors, below Event Grid's 30 s response timeout). Work that cannot finish releases its leases
 * and throws `DeadlineExceededError` (transient), so the delivery is retried. Wall-clock time (timers), not the
 * injected clock: it bounds how long this process works.
 */
import { RemediatorError } from '../model';

export class DeadlineExceededError extends RemediatorError {
  constructor(what: string, limitMs: number) {
    super('deadline-exceeded', `${what} did not finish within the ${limitMs} ms invocation deadline`, {
      transient: true,
    });
  }
}

export interface Deadline {
  readonly limitMs: number;
  /** Milliseconds left (0 once passed). */
  remainingMs(): number;
  /** Throws DeadlineExceededError once passed: checked before every claim and every write. */
  check(what: string): void;
}

export function createDeadline(limitMs: number, nowMs: () => number = Date.now): Deadline {
  const endMs = nowMs() + limitMs;
  return {
    limitMs,
    remainingMs: () => Math.max(0, endMs - nowMs()),
    check(what) {
      if (nowMs() >= endMs) throw new DeadlineExceededError(what, limitMs);
    },
  };
}

/** `work`, or DeadlineExceededError when the deadline passes first (the work is then abandoned, not awaited). */
export async function runWithinDeadline<T>(work: Promise<T>, deadline: Deadline, what: string): Promise<T> {
  work.catch(() => undefined); // an abandoned work's later failure is its own business, not an unhandled rejection
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(what, deadline.limitMs)), deadline.remainingMs());
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
