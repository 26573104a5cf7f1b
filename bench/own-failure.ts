/**
 * A latency run's event as a failure of its own: the seed event with its own id and its own ARM operation
 * (`data.correlationId`, derived from the id). The same app failing in separate operations is diagnosed each time (the
 * 2 sequential ARM round trips the latency figures are measured against) and its story is already handled (a
 * duplicate after diagnosis). Without its own operation, a later event of the very same failure is answered from that
 * failure's story without any ARM read (src/pipeline-tie.ts) — not what the latency figures measure.
 */
import { createHash } from 'node:crypto';

export function asOwnFailure(seed: Record<string, unknown>, id: string): Record<string, unknown> {
  const data = (seed['data'] ?? {}) as Record<string, unknown>;
  const h = createHash('sha256').update(id).digest('hex');
  const correlationId = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return { ...seed, id, data: { ...data, correlationId } };
}
