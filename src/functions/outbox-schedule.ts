/** The timers' NCRONTAB schedules (a module of its own: the entry imports only this). `outboxRetry`: every 2 minutes. */
export const OUTBOX_TIMER_SCHEDULE = '0 */2 * * * *';
/** `doctorSchedule`: the deployment's checks every 6 hours (at 00:17, 06:17, 12:17, 18:17 UTC). */
export const DOCTOR_TIMER_SCHEDULE = '0 17 */6 * * *';
