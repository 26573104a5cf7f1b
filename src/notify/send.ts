/**
 * Senders: one HTTP attempt per call (`PostFn`, src/adapters/webhook-sender.ts), and `createSender` around it with a per-channel rate limit,
 * 429 `Retry-After`, exponential backoff with jitter for transient failures (5xx, 408, network), and a verdict
 * the notifier turns into an outbox entry when every attempt failed.
 */
import type { Logger } from 'pino';
import type { Json } from '../store/port';

import type { Channel } from './channels';
import type { PostResult, PostFn } from './channels/channel';

export type { Channel };

export type { PostFn, PostResult } from './channels/channel';

/** Worth trying again: network failures, 408, 429, 5xx. */
export function isTransientPost(r: PostResult): boolean {
  if (r.ok) return false;
  if (r.status === undefined) return true;
  return r.status === 408 || r.status === 429 || r.status >= 500;
}

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Spaces requests at least `minIntervalMs` apart (per process), in call order; `pauseFor` holds everyone back
 * after a 429.
 */
export class RateLimiter {
  private nextAtMs = -Infinity;
  private chain: Promise<void> = Promise.resolve();
  constructor(
    private readonly minIntervalMs: number,
    private readonly sleep: Sleep,
    private readonly monotonicNow: () => number,
  ) {}
  acquire(): Promise<number> {
    const turn = this.chain.then(async () => {
      const now = this.monotonicNow();
      const waitMs = Math.max(0, this.nextAtMs - now);
      if (waitMs > 0) await this.sleep(waitMs);
      this.nextAtMs = Math.max(now + waitMs, this.monotonicNow()) + this.minIntervalMs;
      return waitMs;
    });
    this.chain = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }
  /** How long a request asked for now would wait for its turn. */
  waitingMs(): number {
    return Math.max(0, this.nextAtMs - this.monotonicNow());
  }
  pauseFor(ms: number): void {
    this.nextAtMs = Math.max(this.nextAtMs, this.monotonicNow() + ms);
  }
}

export interface SenderOptions {
  channel: Channel;
  /** Only for logs: the host, never the URL. */
  host: string;
  post: PostFn;
  limiter: RateLimiter;
  log: Logger;
  sleep: Sleep;
  /** Attempts before giving up (→ outbox). Default 4. */
  maxAttempts?: number;
  /** Backoff base; attempt n waits ~ base·2^(n-1), half of it jittered. Default 500 ms. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for in-line: the message goes to the outbox, due then. */
  maxRetryAfterMs?: number;
  random?: () => number;
  /** Monotonic time (default performance.now); tests pass the fake one their sleep advances. */
  monotonicNow?: () => number;
}

export interface DeliveryResult {
  delivered: boolean;
  attempts: number;
  status?: number;
  error?: string;
  /** When the channel asked us to come back (ms from now), if it did. */
  retryAfterMs?: number;
  /** Every back-off / Retry-After wait, in order (not the rate limiter's spacing). */
  waitsMs: number[];
}

/** `shortTry`: ONE attempt within `timeoutMs` (turn included), no in-line waits: what fails goes to the outbox. */
export interface SendOptions {
  shortTry?: { timeoutMs: number };
}

export interface Sender {
  readonly channel: Channel;
  readonly host: string;
  send(body: Json, opts?: SendOptions): Promise<DeliveryResult>;
}

export function createSender(o: SenderOptions): Sender {
  const maxAttempts = o.maxAttempts ?? 4;
  const baseDelayMs = o.baseDelayMs ?? 500;
  const maxDelayMs = o.maxDelayMs ?? 8_000;
  const maxRetryAfterMs = o.maxRetryAfterMs ?? 30_000;
  const random = o.random ?? Math.random;
  const log = o.log.child({ channel: o.channel, host: o.host });
  const monotonicNow = o.monotonicNow ?? (() => performance.now());
  /** After a Retry-After too long to wait in-line, no request is made until it has passed (straight to the outbox). */
  let closedUntilMs = -Infinity;
  /** One attempt, bounded: a turn that would come too late, a failure or a Retry-After all end it at once. */
  const tryOnce = async (body: Json, timeoutMs: number): Promise<DeliveryResult> => {
    const turnMs = o.limiter.waitingMs();
    if (timeoutMs - turnMs < 250)
      return { delivered: false, attempts: 0, error: 'no time left for a short try in this invocation', waitsMs: [] };
    await o.limiter.acquire();
    const last = await o.post(body, { timeoutMs: timeoutMs - turnMs });
    if (last.ok)
      return {
        delivered: true,
        attempts: 1,
        ...(last.status !== undefined ? { status: last.status } : {}),
        waitsMs: [],
      };
    if (last.retryAfterMs !== undefined) {
      // Respected by every later message of this process: no request until it has passed.
      closedUntilMs = monotonicNow() + last.retryAfterMs;
      o.limiter.pauseFor(last.retryAfterMs);
    }
    log.warn(
      { status: last.status, error: last.error, retryAfterMs: last.retryAfterMs },
      'short notification try failed',
    );
    const r: DeliveryResult = { delivered: false, attempts: 1, waitsMs: [] };
    if (last.status !== undefined) r.status = last.status;
    if (last.error !== undefined) r.error = last.error;
    if (last.retryAfterMs !== undefined) r.retryAfterMs = last.retryAfterMs;
    return r;
  };
  return {
    channel: o.channel,
    host: o.host,
    async send(body: Json, opts: SendOptions = {}): Promise<DeliveryResult> {
      const waitsMs: number[] = [];
      const closedForMs = closedUntilMs - monotonicNow();
      if (closedForMs > 0)
        return {
          delivered: false,
          attempts: 0,
          error: `channel asked to wait (Retry-After); ${Math.ceil(closedForMs / 1000)}s left`,
          retryAfterMs: Math.ceil(closedForMs),
          waitsMs,
        };
      if (opts.shortTry) return tryOnce(body, opts.shortTry.timeoutMs);
      let last: PostResult = { ok: false, error: 'not attempted' };
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        await o.limiter.acquire();
        last = await o.post(body);
        if (last.ok) {
          log.debug({ attempts: attempt }, 'notification delivered');
          return {
            delivered: true,
            attempts: attempt,
            ...(last.status !== undefined ? { status: last.status } : {}),
            waitsMs,
          };
        }
        const transient = isTransientPost(last);
        log.warn(
          { attempt, status: last.status, error: last.error, retryAfterMs: last.retryAfterMs, transient },
          'notification attempt failed',
        );
        if (!transient || attempt === maxAttempts) break;
        let waitMs: number;
        if (last.retryAfterMs !== undefined) {
          if (last.retryAfterMs > maxRetryAfterMs) {
            closedUntilMs = monotonicNow() + last.retryAfterMs;
            break;
          }
          waitMs = last.retryAfterMs;
          o.limiter.pauseFor(waitMs);
        } else {
          const capMs = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
          waitMs = Math.round(capMs / 2 + random() * (capMs / 2));
        }
        waitsMs.push(waitMs);
        await o.sleep(waitMs);
      }
      const r: DeliveryResult = { delivered: false, attempts: waitsMs.length + 1, waitsMs };
      if (last.retryAfterMs !== undefined && last.retryAfterMs > maxRetryAfterMs)
        log.warn(
          { retryAfterMs: last.retryAfterMs },
          'channel asked to wait longer than we wait in-line: messages go to the outbox until then',
        );
      if (last.status !== undefined) r.status = last.status;
      if (last.error !== undefined) r.error = last.error;
      if (last.retryAfterMs !== undefined) r.retryAfterMs = last.retryAfterMs;
      return r;
    },
  };
}
