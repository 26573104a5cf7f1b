/**
 * fast-check over approval tokens: bit flips, truncations, splices with other stories' tokens, tokens signed with
 * another key or naming a story nobody offered. Every one is refused through the real approval route, and not one
 * write reaches ARM. Plus the token module's own properties.
 */
import fc from 'fast-check';
import { createApprovalId, signApprovalToken, verifyApprovalToken } from '../../src/approve/token';
import type { Harness } from '../../src/local/harness';
import { armWrites, pendingOf, post, readEventPayload, readWorld, startApproveHarness, tokenOf } from './helpers';

jest.setTimeout(180_000);

const KEY = 'k'.repeat(40);
const claimsArb = fc.record({
  v: fc.constant(1 as const),
  s: fc.stringMatching(/^[0-9a-f]{32}$/),
  p: fc.stringMatching(/^[0-9a-f]{64}$/),
  a: fc.constantFrom('approve' as const, 'dismiss' as const),
  e: fc.integer({ min: 1, max: 4_000_000_000_000 }),
});

function flipBit(token: string, bit: number): string {
  const bytes = Buffer.from(token, 'utf8');
  const i = Math.floor(bit / 8) % bytes.length;
  bytes[i] = (bytes[i] as number) ^ (1 << (bit % 8));
  return bytes.toString('utf8');
}

describe('the token alone', () => {
  test('a signed token verifies until its expiry, and not after', () => {
    fc.assert(
      fc.property(claimsArb, (c) => {
        const t = signApprovalToken(c, KEY);
        expect(verifyApprovalToken(t, KEY, c.e - 1)).toEqual({ ok: true, claims: c });
        expect(verifyApprovalToken(t, KEY, c.e).ok).toBe(false);
      }),
    );
  });

  test('any bit flip or truncation is refused; another key is refused', () => {
    fc.assert(
      fc.property(claimsArb, fc.nat(), fc.nat(), (c, bit, cut) => {
        const t = signApprovalToken(c, KEY);
        const now = c.e - 1;
        const flipped = flipBit(t, bit);
        if (flipped !== t) expect(verifyApprovalToken(flipped, KEY, now).ok).toBe(false);
        expect(verifyApprovalToken(t.slice(0, cut % t.length), KEY, now).ok).toBe(false);
        expect(verifyApprovalToken(t, 'x'.repeat(40), now).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('through the approval route against the emulator', () => {
  let h: Harness;
  let token: string;
  let other: string;
  beforeAll(async () => {
    h = await startApproveHarness();
    token = tokenOf(pendingOf(await h.deliver(readEventPayload('missing-role'))).approval.approveUrl);
    // Another story, offered by another remediator (another key): its token must not open this one.
    const h2 = await startApproveHarness({}, readWorld('abac-role-mismatch'));
    try {
      other = tokenOf(pendingOf(await h2.deliver(readEventPayload('abac-role-mismatch'))).approval.approveUrl);
    } finally {
      await h2.stop();
    }
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('mutated, truncated, spliced and foreign tokens: every answer a 4xx, 0 writes', async () => {
    const [body, sig] = token.split('.') as [string, string];
    const [otherBody, otherSig] = other.split('.') as [string, string];
    const mutation = fc.oneof(
      fc.nat().map((bit) => flipBit(token, bit)),
      fc.nat().map((n) => token.slice(0, n % token.length)),
      fc.constant(`${otherBody}.${sig}`),
      fc.constant(`${body}.${otherSig}`),
      fc.constant(other),
      // Signed with the right shape for a story nobody offered, with a key that is not this remediator's.
      claimsArb.map((c) => signApprovalToken({ ...c, s: createApprovalId(`story-${c.s}`) }, 'z'.repeat(40))),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (t) => {
        fc.pre(t !== token);
        const r = await post(h, t);
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
    expect(armWrites(h)).toEqual([]);
    const refused = (await h.store.listAudit({ limit: 1000 })).filter(
      (r) => r.stage === 'approval' && r.status === 'refused',
    );
    expect(refused.length).toBeGreaterThanOrEqual(50);
  });
});
