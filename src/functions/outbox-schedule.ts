/** The `outboxRetry` timer's NCRONTAB schedule: every 2 minutes (a module of its own: the entry imports only this). */
export const OUTBOX_TIMER_SCHEDULE = '0 */2 * * * *';
