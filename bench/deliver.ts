/** Event Grid's delivery loop for the benchmarks: events in flight, transient answers redelivered. */
import { isTransientError } from '../src/errors';

/** How many times one event may be redelivered after a transient answer before a bench gives up on it. */
const MAX_REDELIVERIES = 1000;

/**
 * Deliver events `from` … `from + count - 1` through `handle`, `inFlight` at once, and time every delivery. A
 * transient answer (another delivery holds the story's lease, so the handler throws for Event Grid to retry) is a
 * delivery too: timed, counted in `redeliveries`, and the event goes back in line as Event Grid redelivers it (without
 * its 10 s wait). A delivery's time runs from the call to the moment the handler's promise settles (taken in a
 * callback on that promise itself, so the other deliveries' work queued behind it is not counted in). Samples are
 * sorted; `first` holds the first delivery of each of the first `inFlight` events (in the order they settled).
 */
export async function deliverAll(
  handle: (i: number) => Promise<unknown>,
  from: number,
  count: number,
  inFlight: number,
): Promise<{ samples: number[]; redeliveries: number; first: number[] }> {
  const samples: number[] = [];
  const first: number[] = [];
  const again: number[] = [];
  const tries = new Map<number, number>();
  let next = from;
  let redeliveries = 0;
  const take = (): number | undefined => (next < from + count ? next++ : again.shift());
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let i = take(); i !== undefined; i = take()) {
        const t0 = performance.now();
        let t1 = t0;
        const settled = (): void => {
          t1 = performance.now();
          if (i < from + inFlight && !tries.has(i)) first.push(t1 - t0);
        };
        try {
          await handle(i).then(settled, (error: unknown) => {
            settled();
            throw error;
          });
        } catch (error) {
          const n = (tries.get(i) ?? 0) + 1;
          if (!isTransientError(error) || n > MAX_REDELIVERIES) throw error;
          tries.set(i, n);
          redeliveries += 1;
          again.push(i);
          // Let the lease holder finish before this event is delivered again.
          await new Promise((r) => setTimeout(r, 5));
        }
        samples.push(t1 - t0);
      }
    }),
  );
  return { samples: samples.sort((a, b) => a - b), redeliveries, first };
}
