/**
 * `eventGridFailures`: the Event Grid trigger (one event per invocation, EventGridSchema or CloudEvents).
 * Rejected and ignored events are logged and acknowledged (return). Throws ONLY for transient faults, so that the
 * Functions host answers 500 and Event Grid retries.
 */
import type { InvocationContext } from '@azure/functions';
import { ConfigError } from '../config';
import { toRetryOrAcknowledge } from '../errors';
import { isHandshake, parseEventGridDelivery } from '../intake';
import { redactSecrets } from '../logging';
import { processItems, type PipelineDeps } from '../pipeline';

export function makeEventGridHandler(
  getDeps: () => Promise<PipelineDeps>,
): (event: unknown, context: InvocationContext) => Promise<void> {
  return async (event, context) => {
    let deps: PipelineDeps;
    try {
      deps = await getDeps();
    } catch (err) {
      // Nothing half-configured runs: fail the invocation (Event Grid retries; the problems are in the log).
      if (err instanceof ConfigError) context.error(`configuration invalid, nothing runs: ${err.problems.join('; ')}`);
      throw err;
    }
    const delivery = parseEventGridDelivery(event);
    if (isHandshake(delivery) && !delivery.others) {
      // The trigger's extension answers handshakes itself; one reaching us has nothing to do.
      context.log('subscription validation event reached the trigger; nothing to do');
      return;
    }
    const parsed = isHandshake(delivery) ? (delivery.others ?? []) : delivery;
    for (const item of parsed) {
      if (item.status === 'rejected')
        context.warn(`rejected${item.eventId ? ` ${item.eventId}` : ''}: ${redactSecrets(item.error)}`);
      if (item.status === 'ignored') context.log(`ignored ${item.eventId}: ${item.reason}`);
    }
    try {
      const outcomes = await processItems(parsed, deps);
      context.log(
        `processed: ${outcomes.map((o) => `${o.eventId}=${o.status}${o.diagnosis ? `(${o.diagnosis.kind})` : ''}`).join(', ')}`,
      );
    } catch (err) {
      const decision = toRetryOrAcknowledge(err);
      if (decision.action === 'retry') {
        context.warn(`transient fault, Event Grid will retry: ${decision.description.message}`);
        throw decision.error;
      }
      deps.log.error({ err: decision.description }, 'event could not be processed; acknowledged');
      context.error(`event failed and is acknowledged (not retryable): ${decision.description.message}`);
    }
  };
}
