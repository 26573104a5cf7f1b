/** Notifications: summary model → Adaptive Card / Block Kit; senders with retry, rate limits, outbox and digests. */
export { buildSummary, buildHealFollowUp, buildPersonSteps } from './summary';
export { buildDigest } from './digest';
export { buildGroupKey } from './grouping';
export { buildPortalUrl } from './portal';
export { formatDurationMs } from './durations';
export { describeAction, describeKind, nameOfResource } from './wording';
export type {
  Summary,
  HealFollowUp,
  Digest,
  DigestGroup,
  NotificationMessage,
  StatusColour,
  SummaryContext,
  SummaryFact,
  SummaryLink,
} from './message-types';
export { renderTeams, TEAMS_MAX_BYTES, ADAPTIVE_CARD_VERSION, DETAILS_ID } from './channels/teams';
export { hasArmId, wordsForPeople, describeStep, buildAliases } from './people';
export type { TeamsMessage, AdaptiveCard } from './channels/teams';
export { renderSlack, SLACK_LIMITS, escapeMrkdwn } from './channels/slack';
export type { SlackMessage } from './channels/slack';
export { createNotifier, createNotifierFromConfig, flushOutbox, flushDigests, NOTIFY_PARTITIONS } from './notifier';
export type { Notifier, NotifierOptions, NotifyResult, FlushResult, FlushOptions, ChannelDelivery } from './notifier';
export { createSender, isTransientPost, RateLimiter, realSleep } from './send';
export { CHANNELS, CHANNEL_NAMES } from './channels';
export type { ChannelSpec, ChannelLimits, PostFactory } from './channels';
export type { Channel, PostFn, PostResult, Sender, Sleep, DeliveryResult } from './send';
export { redactText, describeWebhookHost } from './redact';
export { renderSlackHtml, buildPreviewPage, PREVIEW_FILE } from './previews';
export type { PreviewMessage } from './previews';
export { truncateText } from './text';
