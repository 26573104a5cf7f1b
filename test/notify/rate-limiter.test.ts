/** The per-channel rate limiter: call order kept, one request per interval, a 429 pause holds everyone back. */
import { parseRetryAfterMs } from '../../src/adapters/webhook-sender';
import { RateLimiter } from '../../src/notify';
import { createFakeTime } from './fixtures';

describe('RateLimiter', () => {
  it('lets concurrent callers through one interval apart, in call order', async () => {
    const time = createFakeTime();
    const limiter = new RateLimiter(250, time.sleep, time.now);
    const passedAt: Array<[number, number]> = [];
    await Promise.all([0, 1, 2, 3].map((i) => limiter.acquire().then(() => passedAt.push([i, time.now()]))));
    expect(passedAt).toEqual([
      [0, 0],
      [1, 250],
      [2, 500],
      [3, 750],
    ]);
  });

  it('does not wait when calls are already far enough apart', async () => {
    const time = createFakeTime();
    const limiter = new RateLimiter(1000, time.sleep, time.now);
    await limiter.acquire();
    await time.sleep(5000);
    time.waits.length = 0;
    await limiter.acquire();
    expect(time.waits).toEqual([]);
  });

  it('pauseFor (after a 429) delays the next caller', async () => {
    const time = createFakeTime();
    const limiter = new RateLimiter(250, time.sleep, time.now);
    await limiter.acquire();
    limiter.pauseFor(3000);
    await limiter.acquire();
    expect(time.now()).toBe(3000);
  });
});

describe('parseRetryAfterMs', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('3')).toBe(3000);
    expect(parseRetryAfterMs('0.5')).toBe(500);
    expect(parseRetryAfterMs('Sat, 21 Nov 2026 10:00:10 GMT', Date.parse('2026-11-21T10:00:00Z'))).toBe(10_000);
    expect(parseRetryAfterMs(null)).toBeUndefined();
    expect(parseRetryAfterMs('soon')).toBeUndefined();
  });
});
