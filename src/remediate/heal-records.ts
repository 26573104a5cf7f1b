/**
 * What the adaptive heal schedule keeps between heals and attempts, through the StateStore port (ETag-checked):
 * - the propagation samples of recent heals (one record: the tenant's bracket, src/remediate/heal-schedule.ts);
 * - the remediator's own redeploy writes, by the ARM correlation id they were sent with (their failure events are
 *   followed up by the heal schedule, never a new story);
 * - one redeploy attempt in flight per app (a lease per app, with an expiry).
 */
import type { Json, StateStore } from '../store/port';
import { addPropagationSample, type PropagationSample } from './heal-schedule';

export const HEAL_LEARNING_PARTITION = 'heal-learning';
const SAMPLES_KEY = 'propagation';
export const OWN_WRITE_PARTITION = 'own-write';
export const HEAL_LEASE_PARTITION = 'heal-lease';

const num = (v: Json | undefined): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function readSamples(value: Record<string, Json> | undefined): PropagationSample[] {
  const raw = value?.['samples'];
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((s) => {
    if (!s || typeof s !== 'object' || Array.isArray(s)) return [];
    const afterMs = num(s['afterMs']);
    const byMs = num(s['byMs']);
    return afterMs !== undefined && byMs !== undefined ? [{ afterMs, byMs }] : [];
  });
}

export async function readPropagationSamples(store: StateStore): Promise<PropagationSample[]> {
  return readSamples((await store.get(HEAL_LEARNING_PARTITION, SAMPLES_KEY).catch(() => undefined))?.value);
}

/** Add what one heal showed (ETag-checked, retried when another heal wrote in between). */
export async function recordPropagationSample(
  store: StateStore,
  failedAfterMs: readonly number[],
  healedAfterMs: number,
): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const cur = await store.get(HEAL_LEARNING_PARTITION, SAMPLES_KEY);
    const samples = addPropagationSample(readSamples(cur?.value), failedAfterMs, healedAfterMs);
    const value = { samples: samples.map((s) => ({ afterMs: s.afterMs, byMs: s.byMs })) };
    const written = cur?.etag
      ? await store.replaceIf(HEAL_LEARNING_PARTITION, SAMPLES_KEY, value, cur.etag)
      : await store.create(HEAL_LEARNING_PARTITION, SAMPLES_KEY, value);
    if (written !== undefined) return;
  }
}

/** Note a redeploy write before it is sent, by the correlation id it carries. */
export async function recordOwnWrite(
  store: StateStore,
  correlationId: string,
  what: { appId: string; eventId: string; attempt: number },
): Promise<void> {
  await store.claim(OWN_WRITE_PARTITION, correlationId.toLowerCase(), { ...what });
}

/** The remediator's own redeploy write with this correlation id, if it is one. */
export async function readOwnWrite(
  store: StateStore,
  correlationId: string,
): Promise<{ appId: string; eventId: string; attempt: number } | undefined> {
  const v = (await store.get(OWN_WRITE_PARTITION, correlationId.toLowerCase()))?.value;
  if (typeof v?.['appId'] !== 'string' || typeof v['eventId'] !== 'string') return undefined;
  return { appId: v['appId'], eventId: v['eventId'], attempt: num(v['attempt']) ?? 1 };
}

/**
 * Take the app's heal lease for `holder` until `untilMs`: true when this holder has it (new, already its own, or the
 * other holder's expired), false while another holder's attempt is in flight.
 */
export async function takeAppHealLease(
  store: StateStore,
  appId: string,
  holder: string,
  nowMs: number,
  untilMs: number,
): Promise<boolean> {
  const key = appId.toLowerCase();
  const value = { holder, untilMs };
  for (let i = 0; i < 3; i++) {
    if ((await store.create(HEAL_LEASE_PARTITION, key, value)) !== undefined) return true;
    const cur = await store.get(HEAL_LEASE_PARTITION, key);
    if (!cur?.etag) continue; // released in between: try to create it again
    const curHolder = cur.value['holder'];
    const curUntil = num(cur.value['untilMs']) ?? 0;
    if (curHolder !== holder && curUntil > nowMs) return false;
    if ((await store.replaceIf(HEAL_LEASE_PARTITION, key, value, cur.etag)) !== undefined) return true;
  }
  return false;
}

/** Give the app's heal lease back (only when `holder` still has it). */
export async function releaseAppHealLease(store: StateStore, appId: string, holder: string): Promise<void> {
  const key = appId.toLowerCase();
  const cur = await store.get(HEAL_LEASE_PARTITION, key).catch(() => undefined);
  if (cur?.etag && cur.value['holder'] === holder)
    await store.removeIf(HEAL_LEASE_PARTITION, key, cur.etag).catch(() => undefined);
}
