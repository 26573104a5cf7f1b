/**
 * The adaptive heal schedule (pure): the backoff from a grant, and how what recent heals showed brings the next heal
 * close to the moment propagation ends, with few failed attempts, for steady and for varying propagation.
 */
import fc from 'fast-check';
import {
  DEFAULT_HEAL_SCHEDULE,
  PROPAGATION_SAMPLES,
  addPropagationSample,
  computeNextAttemptMs,
  computePropagationBracket,
  type PropagationSample,
} from '../../src/remediate/heal-schedule';

const MIN = 60_000;

/** One heal against a propagation delay: attempts until one is at or after it. */
function simulateHeal(delayMs: number, samples: readonly PropagationSample[]) {
  const failed: number[] = [];
  for (;;) {
    const at = computeNextAttemptMs(failed, computePropagationBracket(samples), DEFAULT_HEAL_SCHEDULE);
    if (at >= delayMs) return { healedAtMs: at, failed };
    failed.push(at);
    if (failed.length > 30) throw new Error('no heal');
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

describe('computeNextAttemptMs', () => {
  test('nothing learned: 1, 3, 7, 15, 23, 31 minutes after the grant (gaps doubling, capped at 8 minutes)', () => {
    const failed: number[] = [];
    for (let i = 0; i < 6; i++) failed.push(computeNextAttemptMs(failed, undefined, DEFAULT_HEAL_SCHEDULE));
    expect(failed.map((ms) => ms / MIN)).toEqual([1, 3, 7, 15, 23, 31]);
  });

  test('the cap is a setting (REMEDIATOR_HEAL_BACKOFF_MAX_SECONDS)', () => {
    const s = { ...DEFAULT_HEAL_SCHEDULE, maxGapMs: 2 * MIN };
    expect(computeNextAttemptMs([MIN, 3 * MIN, 5 * MIN], undefined, s)).toBe(7 * MIN);
  });

  test('with a bracket: halfway into it, then its top; past it, the backoff again', () => {
    const b = { lowMs: 7 * MIN, highMs: 15 * MIN };
    expect(computeNextAttemptMs([], b, DEFAULT_HEAL_SCHEDULE)).toBe(11 * MIN);
    expect(computeNextAttemptMs([11 * MIN], b, DEFAULT_HEAL_SCHEDULE)).toBe(15 * MIN);
    expect(computeNextAttemptMs([11 * MIN, 15 * MIN], b, DEFAULT_HEAL_SCHEDULE)).toBe(17 * MIN);
    expect(computeNextAttemptMs([11 * MIN, 15 * MIN, 17 * MIN], b, DEFAULT_HEAL_SCHEDULE)).toBe(21 * MIN);
  });

  test('the next attempt is always later than the last failure', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 60 * MIN }), { maxLength: 6 }),
        fc.option(
          fc.record({ lowMs: fc.integer({ min: 0, max: 30 * MIN }), span: fc.integer({ min: 1, max: 30 * MIN }) }),
        ),
        (failures, b) => {
          const failed = [...failures].sort((x, y) => x - y);
          const bracket = b ? { lowMs: b.lowMs, highMs: b.lowMs + b.span } : undefined;
          const next = computeNextAttemptMs(failed, bracket, DEFAULT_HEAL_SCHEDULE);
          const last = failed[failed.length - 1];
          if (last !== undefined) expect(next).toBeGreaterThan(last);
          expect(next).toBeGreaterThan(0);
        },
      ),
    );
  });
});

describe('computePropagationBracket', () => {
  test('steady propagation: the latest failure and the earliest success of recent heals', () => {
    expect(
      computePropagationBracket([
        { afterMs: 7 * MIN, byMs: 15 * MIN },
        { afterMs: 0, byMs: 11 * MIN },
      ]),
    ).toEqual({ lowMs: 7 * MIN, highMs: 11 * MIN });
  });

  test('varying propagation (the heals disagree): the span they cover', () => {
    expect(
      computePropagationBracket([
        { afterMs: 9 * MIN, byMs: 10 * MIN },
        { afterMs: 0, byMs: 2 * MIN },
      ]),
    ).toEqual({ lowMs: 0, highMs: 10 * MIN });
  });

  test(`only the last ${PROPAGATION_SAMPLES} heals count`, () => {
    let samples: PropagationSample[] = [];
    samples = addPropagationSample(samples, [9 * MIN], 10 * MIN);
    for (let i = 0; i < PROPAGATION_SAMPLES; i++) samples = addPropagationSample(samples, [], 2 * MIN);
    expect(samples).toHaveLength(PROPAGATION_SAMPLES);
    expect(computePropagationBracket(samples)).toEqual({ lowMs: 0, highMs: 2 * MIN });
  });
});

describe('heals learning from each other (the bench measures the same against the emulator)', () => {
  test.each([0.5, 2, 5, 10, 15])(
    'steady propagation of %s min: at most 3 failed attempts per heal, median overshoot of 5 heals within 90 s',
    (minutes) => {
      const delayMs = minutes * MIN;
      let samples: PropagationSample[] = [];
      const overshoot: number[] = [];
      for (let i = 0; i < 5; i++) {
        const h = simulateHeal(delayMs, samples);
        expect(h.failed.length).toBeLessThanOrEqual(3);
        overshoot.push(h.healedAtMs - delayMs);
        samples = addPropagationSample(samples, h.failed, h.healedAtMs);
      }
      expect(median(overshoot)).toBeLessThanOrEqual(90_000);
    },
  );

  test('propagation that becomes slower or faster: followed within a few heals, never stuck', () => {
    let samples: PropagationSample[] = [];
    for (let i = 0; i < 5; i++) samples = addPropagationSample(samples, [], simulateHeal(2 * MIN, samples).healedAtMs);
    const slower = simulateHeal(12 * MIN, samples);
    expect(slower.healedAtMs).toBeGreaterThanOrEqual(12 * MIN);
    expect(slower.failed.length).toBeLessThanOrEqual(4);
    samples = addPropagationSample(samples, slower.failed, slower.healedAtMs);
    const overshoots: number[] = [];
    for (let i = 0; i < 12; i++) {
      const h = simulateHeal(MIN, samples);
      overshoots.push(h.healedAtMs - MIN);
      samples = addPropagationSample(samples, h.failed, h.healedAtMs);
    }
    expect(overshoots[overshoots.length - 1]).toBeLessThanOrEqual(90_000);
  });
});
