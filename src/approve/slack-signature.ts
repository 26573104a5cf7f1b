/**
 * Slack request signing (https://api.slack.com/authentication/verifying-requests-from-slack):
 * `X-Slack-Signature` = `v0=` + hex HMAC-SHA256(signing secret, `v0:{X-Slack-Request-Timestamp}:{raw body}`);
 * requests older than five minutes are refused as replays. Pure: the caller passes the time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SLACK_MAX_AGE_MS = 5 * 60_000;

export type SlackCheck = { ok: true } | { ok: false; reason: string };

export function signSlackRequest(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`, 'utf8').digest('hex')}`;
}

export function verifySlackRequest(
  secret: string,
  headers: { timestamp: string | null | undefined; signature: string | null | undefined },
  body: string,
  nowMs: number,
): SlackCheck {
  const { timestamp, signature } = headers;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing or malformed timestamp' };
  if (Math.abs(nowMs - Number(timestamp) * 1000) > SLACK_MAX_AGE_MS)
    return { ok: false, reason: 'request older than five minutes (replay refused)' };
  if (!signature || !/^v0=[0-9a-f]{64}$/.test(signature))
    return { ok: false, reason: 'missing or malformed signature' };
  const want = Buffer.from(signSlackRequest(secret, timestamp, body), 'utf8');
  const got = Buffer.from(signature, 'utf8');
  if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, reason: 'signature mismatch' };
  return { ok: true };
}
