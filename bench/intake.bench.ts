/**
 * Intake throughput: the HTTP body text of a mixed Event Grid batch (90 % ignored successes, 10 % failures) parsed into
 * IntakeItems exactly as the webhook door does it (parseBody → parseEventGridDelivery), compared with plain
 * `JSON.parse` of the same text. Pure CPU, no I/O.
 * Run alone: `npx tsx bench/intake.bench.ts`.
 */
import { parseBody, parseEventGridDelivery, isHandshake } from '../src/intake';
import { buildStormWorld, failureEventFor, readSeedEvent, successEventFor } from '../test/helpers/storm';
import { round } from './util';

export interface IntakeBenchResult {
  batchEvents: number;
  bodyBytes: number;
  intakeEventsPerSecond: number;
  jsonParseEventsPerSecond: number;
  /** intake time / JSON.parse time for the same text (target <= 3). */
  costRatio: number;
  accepted: number;
  ignored: number;
  rejected: number;
}

/** A mixed delivery: `size` events, one failure in ten. */
export function buildMixedBatch(size: number, prefix = 'mixed'): Array<Record<string, unknown>> {
  const storm = buildStormWorld({ apps: 40, identities: 2 });
  const template = readSeedEvent();
  return Array.from({ length: size }, (_, i) => {
    const app = storm.appIds[i % storm.appIds.length] as string;
    return i % 10 === 0
      ? failureEventFor(app, `${prefix}-${i}`, template)
      : successEventFor(app, `${prefix}-${i}`, template);
  });
}

/** Rounds per side (each minMs / ROUNDS long). */
const ROUNDS = 6;

function timeLoop(fn: () => void, minMs: number): number {
  for (let i = 0; i < 5; i++) fn(); // warm up (JIT)
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    fn();
    n++;
    t = performance.now();
  }
  return (t - t0) / n;
}

export function runIntakeBench(opts: { batch?: number; minMs?: number } = {}): IntakeBenchResult {
  const size = opts.batch ?? 500; // ~1 MB: the size of a full Event Grid batch and the default REMEDIATOR_MAX_PAYLOAD_BYTES
  const minMs = opts.minMs ?? 3000;
  const text = JSON.stringify(buildMixedBatch(size));
  const max = 1_048_576;
  let counts = { accepted: 0, ignored: 0, rejected: 0 };
  const intake = (): void => {
    const body = parseBody(text, max);
    if (!body.ok) throw new Error(body.item.error);
    const items = parseEventGridDelivery(body.value);
    if (isHandshake(items)) throw new Error('handshake?');
    counts = { accepted: 0, ignored: 0, rejected: 0 };
    for (const it of items) counts[it.status]++;
  };
  let sink = 0;
  const plain = (): void => {
    sink += (JSON.parse(text) as unknown[]).length;
  };
  // Interleaved (intake, JSON.parse, JSON.parse, intake, …) so that both share the machine's and the heap's conditions
  // of the moment; the best round of each (the least disturbed by other work and by GC of what earlier benches left).
  let intakeMs = Infinity;
  let jsonMs = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    for (const which of r % 2 === 0 ? ['intake', 'json'] : ['json', 'intake']) {
      if (which === 'intake') intakeMs = Math.min(intakeMs, timeLoop(intake, minMs / ROUNDS));
      else jsonMs = Math.min(jsonMs, timeLoop(plain, minMs / ROUNDS));
    }
  }
  if (sink === 0) throw new Error('unreachable');
  return {
    batchEvents: size,
    bodyBytes: Buffer.byteLength(text),
    intakeEventsPerSecond: round(size / (intakeMs / 1000), 0),
    jsonParseEventsPerSecond: round(size / (jsonMs / 1000), 0),
    costRatio: round(intakeMs / jsonMs, 2),
    ...counts,
  };
}

if (require.main === module) console.log(JSON.stringify(runIntakeBench(), null, 2));
