/**
 * The one audit writer. Every record gets a deterministic id: its time, event and stage, and a short hash of its
 * content (the same record written twice has the same id; the Table adapter keeps both rather than overwrite).
 * A lost record is logged loudly; a transient store fault is thrown so that the delivery is retried.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from './config';
import { describeError, isTransientError } from './errors';
import type { Clock } from './model';
import type { AuditRecord, StateStore } from './store/port';

export type AuditEntry = Omit<AuditRecord, 'id' | 'at' | 'mode'>;

export interface AuditDeps {
  store: Pick<StateStore, 'appendAudit'>;
  clock: Clock;
  config: Pick<Config, 'mode'>;
  log: Logger;
}

/**
 * `{at}-{eventId}-{stage}[-{subject}]-{8 hex of the content}`: time-ordered (within one millisecond by stage, then
 * subject, e.g. the action type), and the same for the same record.
 */
export function createAuditId(record: Omit<AuditRecord, 'id'>, subject?: string): string {
  const hash = createHash('sha256').update(JSON.stringify(record), 'utf8').digest('hex').slice(0, 8);
  return `${record.at}-${record.eventId}-${record.stage}${subject ? `-${subject}` : ''}-${hash}`;
}

/** Append one audit record, stamped with the clock's time and the mode; `subject` orders records of one stage. */
export async function writeAudit(deps: AuditDeps, entry: AuditEntry, subject?: string): Promise<void> {
  const at = deps.clock.now().toISOString();
  const content: Omit<AuditRecord, 'id'> = { at, mode: deps.config.mode, ...entry };
  try {
    await deps.store.appendAudit({ id: createAuditId(content, subject), ...content });
  } catch (err) {
    deps.log.error({ err: describeError(err), eventId: entry.eventId }, 'audit record could not be written');
    if (isTransientError(err)) throw err;
  }
}
