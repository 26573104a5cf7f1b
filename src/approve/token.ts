/**
 * Approval tokens: `base64url(claims JSON) + "." + base64url(HMAC-SHA256(key, that first part))`.
 * A token is bound to one story (the approval id), the hash of the plan the message showed, what it does
 * (approve or dismiss) and an expiry. Pure (hashing only; the caller passes the time and the key).
 * Single use is not the token's business: the approval's work record (./claim.ts) holds it.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type ApprovalVerb = 'approve' | 'dismiss';

export interface ApprovalClaims {
  /** Token format version. */
  v: 1;
  /** The approval id (a hash of the story key): which story this token may act on. */
  s: string;
  /** The plan hash the message showed. */
  p: string;
  /** What pressing the button does. */
  a: ApprovalVerb;
  /** Expiry, ms since the epoch. */
  e: number;
}

export type TokenCheck =
  | { ok: true; claims: ApprovalClaims }
  | { ok: false; reason: 'malformed' | 'forged' | 'expired'; claims?: ApprovalClaims };

/** The shortest signing key accepted (bytes of the setting's text). */
export const MIN_SIGNING_KEY_LENGTH = 32;

const b64 = (buf: Buffer): string => buf.toString('base64url');

function mac(key: string, body: string): Buffer {
  return createHmac('sha256', key).update(`acr-remediator-approval.${body}`, 'utf8').digest();
}

/** The approval id of a story key: 32 hex characters, the key of the story's pending approval. */
export function createApprovalId(storyKey: string): string {
  return createHash('sha256').update(`approval|${storyKey}`, 'utf8').digest('hex').slice(0, 32);
}

export function signApprovalToken(claims: ApprovalClaims, key: string): string {
  const body = b64(Buffer.from(JSON.stringify(claims), 'utf8'));
  return `${body}.${b64(mac(key, body))}`;
}

function parseClaims(body: string): ApprovalClaims | undefined {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const c = v as Record<string, unknown>;
  if (c['v'] !== 1 || typeof c['s'] !== 'string' || !/^[0-9a-f]{32}$/.test(c['s'])) return undefined;
  if (typeof c['p'] !== 'string' || !/^[0-9a-f]{64}$/.test(c['p'])) return undefined;
  if (c['a'] !== 'approve' && c['a'] !== 'dismiss') return undefined;
  if (typeof c['e'] !== 'number' || !Number.isSafeInteger(c['e'])) return undefined;
  return { v: 1, s: c['s'], p: c['p'], a: c['a'], e: c['e'] };
}

/** Check a token's signature first, then its shape, then its expiry. Never throws. */
export function verifyApprovalToken(token: string, key: string, nowMs: number): TokenCheck {
  if (typeof token !== 'string' || token.length > 2048) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [body, sig] = parts as [string, string];
  if (!/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(sig, 'base64url');
  const want = mac(key, body);
  // Re-encoding must give the same text (base64url has non-canonical spellings of the last character).
  if (given.length !== want.length || b64(given) !== sig || !timingSafeEqual(given, want))
    return { ok: false, reason: 'forged' };
  const claims = parseClaims(body);
  if (!claims) return { ok: false, reason: 'malformed' };
  if (nowMs >= claims.e) return { ok: false, reason: 'expired', claims };
  return { ok: true, claims };
}
