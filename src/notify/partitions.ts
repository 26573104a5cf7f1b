/** The StateStore partitions the notifier keeps its shared state in (storm groups, counters, outbox leases). */
export const NOTIFY_PARTITIONS = {
  group: 'notify-group',
  count: 'notify-count',
  revision: 'notify-rev',
  revisions: 'notify-revs',
  app: 'notify-app',
  apps: 'notify-apps',
  appName: 'notify-app-name',
  digestSent: 'notify-digest-sent',
  outboxLease: 'notify-outbox-lease',
} as const;
