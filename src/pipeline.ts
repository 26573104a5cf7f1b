/**
 * The pipeline: accepted FailureEvents → diagnose → plan → guard → act → notify, one Outcome per intake item.
 * (Being built: for now accepted events end as `unknown` diagnoses. The orchestrator owner replaces this body.)
 */
import type { Logger } from 'pino';
import type { ArmPort } from './azure/arm-port';
import type { Config } from './config';
import type { Clock, IntakeItem, Outcome } from './model';

export interface PipelineDeps {
  arm: ArmPort;
  clock: Clock;
  log: Logger;
  config: Readonly<Config>;
}

/** Process one delivery's intake items. Throws only for transient faults (see src/errors.ts `isTransientError`). */
export async function processItems(items: readonly IntakeItem[], deps: PipelineDeps): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const item of items) {
    switch (item.status) {
      case 'ignored':
        outcomes.push({ eventId: item.eventId, status: 'ignored', reason: item.reason });
        break;
      case 'rejected':
        outcomes.push({ eventId: item.eventId ?? '(unknown)', status: 'rejected', error: item.error });
        break;
      case 'accepted':
        deps.log.warn({ eventId: item.event.id }, 'pipeline not wired yet');
        outcomes.push({
          eventId: item.event.id,
          status: 'diagnosed',
          diagnosis: { kind: 'unknown', resourceId: item.event.resourceId, summary: 'pipeline not wired yet', evidence: [], details: {} },
          actions: [],
        });
        break;
      default: {
        const never: never = item;
        throw new Error(`unexpected intake item ${JSON.stringify(never)}`);
      }
    }
  }
  return outcomes;
}
