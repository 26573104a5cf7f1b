/**
 * `outboxRetry`: every 2 minutes, send the digests whose window has closed and retry undelivered notifications
 * from the outbox (StateStore). Needs only config, logger, clock and store: no ARM access.
 * A failure is logged and rethrown (the timer simply runs again at the next tick).
 */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { loadConfig } from '../config';
import { createLogger } from '../logging';
import { systemClock } from '../model';
import { createNotifier, type FlushResult, type Notifier } from '../notify';
import { listConfigSecrets } from '../runtime';
import { createStore } from '../store';

export const OUTBOX_TIMER_SCHEDULE = '0 */2 * * * *';

export interface OutboxTimerResult {
  digests: FlushResult;
  outbox: FlushResult;
}

/** Flush digests, then the outbox. `undefined` notifier = no channel configured: nothing to do. */
export async function runOutboxRetry(notifier: Notifier | undefined): Promise<OutboxTimerResult | undefined> {
  if (!notifier) return undefined;
  const digests = await notifier.flushDigests();
  const outbox = await notifier.flushOutbox();
  return { digests, outbox };
}

/** The notifier from the app settings (built once per process). */
async function buildNotifierFromEnv(env: Record<string, string | undefined> = process.env): Promise<Notifier | undefined> {
  const config = loadConfig(env);
  if (!config.teamsWebhookUrl && !config.slackWebhookUrl) return undefined;
  const log = createLogger({ level: config.logLevel, secrets: listConfigSecrets(config) });
  const store = await createStore(config, log, { clock: systemClock });
  return createNotifier({
    ...(config.teamsWebhookUrl ? { teamsWebhookUrl: config.teamsWebhookUrl } : {}),
    ...(config.slackWebhookUrl ? { slackWebhookUrl: config.slackWebhookUrl } : {}),
    store,
    clock: systemClock,
    log,
    mode: config.mode,
    digestWindowMs: config.digestWindowMs,
  });
}

export function makeOutboxTimerHandler(getNotifier: () => Promise<Notifier | undefined>): (timer: Timer, context: InvocationContext) => Promise<void> {
  return async (timer, context) => {
    const notifier = await getNotifier();
    const r = await runOutboxRetry(notifier);
    if (!r) return;
    const sent = r.digests.delivered + r.outbox.delivered;
    if (sent || r.outbox.retried || r.outbox.dropped || r.digests.retried || timer.isPastDue) {
      context.log(`outbox: ${r.digests.delivered} digest(s) and ${r.outbox.delivered} retried message(s) delivered; ${r.outbox.retried + r.digests.retried} still pending; ${r.outbox.dropped + r.digests.dropped} dropped${timer.isPastDue ? ' (timer past due)' : ''}`);
    }
  };
}

let cached: Promise<Notifier | undefined> | undefined;
const getNotifierOnce = (): Promise<Notifier | undefined> => {
  cached ??= buildNotifierFromEnv().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
};

app.timer('outboxRetry', { schedule: OUTBOX_TIMER_SCHEDULE, runOnStartup: false, handler: makeOutboxTimerHandler(getNotifierOnce) });
