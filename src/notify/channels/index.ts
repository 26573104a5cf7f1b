/**
 * The notification channels, by name. A new channel is one module (renderer + `ChannelSpec`) and one line here
 * (plus its webhook URL setting and its transport in src/adapters/webhook-sender.ts).
 */
import type { ChannelSpec } from './channel';
import { SLACK_CHANNEL } from './slack';
import { TEAMS_CHANNEL } from './teams';

export const CHANNELS = {
  teams: TEAMS_CHANNEL,
  slack: SLACK_CHANNEL,
} as const satisfies Record<string, ChannelSpec>;

export type Channel = keyof typeof CHANNELS;

/** Channel names in delivery order. */
export const CHANNEL_NAMES = Object.keys(CHANNELS) as Channel[];

export type { ChannelSpec, ChannelLimits, PostFactory, PostFn, PostResult } from './channel';
