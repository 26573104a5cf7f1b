/**
 * Teams renderer (pure): a notification → the Workflows webhook body
 * `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":AdaptiveCard}]}`.
 * Adaptive Card 1.5, coloured container for the status, FactSet, "Open in portal"; kept under `TEAMS_MAX_BYTES`
 * by shrinking the text budgets (long texts end with "…").
 */
import type { ActionStatus } from '../../model';
import type {
  Digest,
  HealFollowUp,
  NotificationMessage,
  StatusColour,
  Summary,
  SummaryFact,
  SummaryLink,
} from '../message-types';
import { limitItems, measureJsonBytes, truncateText } from '../text';
import type { ChannelSpec } from './channel';

/** Stay well under Teams' ~28 KB hard limit. */
export const TEAMS_MAX_BYTES = 20_000;
export const ADAPTIVE_CARD_VERSION = '1.5';

export type AdaptiveElement = Record<string, unknown> & { type: string };
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  body: AdaptiveElement[];
  actions: AdaptiveElement[];
  msteams?: { width: 'Full' };
}
export interface TeamsMessage {
  type: 'message';
  attachments: Array<{
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: AdaptiveCard;
  }>;
}

interface Budget {
  text: number;
  items: number;
  raw: number;
  facts: number;
}
const BUDGETS: readonly Budget[] = [
  { text: 2000, items: 12, raw: 4000, facts: 600 },
  { text: 1000, items: 8, raw: 1500, facts: 300 },
  { text: 400, items: 5, raw: 500, facts: 150 },
  { text: 150, items: 3, raw: 150, facts: 80 },
];

const STATUS_ICON: Record<StatusColour, string> = { good: '✅', warning: '⚠️', attention: '🚨' };
const ACTION_COLOUR: Record<ActionStatus, string> = {
  applied: 'Good',
  planned: 'Accent',
  blocked: 'Warning',
  manual: 'Default',
  failed: 'Attention',
};

function textBlock(text: string, extra: Record<string, unknown> = {}): AdaptiveElement {
  return { type: 'TextBlock', text, wrap: true, ...extra };
}
function heading(text: string): AdaptiveElement {
  return textBlock(text, { weight: 'Bolder', spacing: 'Medium' });
}
function factSet(facts: readonly SummaryFact[], b: Budget): AdaptiveElement {
  return {
    type: 'FactSet',
    facts: facts.slice(0, 16).map((f) => ({ title: truncateText(f.title, 60), value: truncateText(f.value, b.facts) })),
  };
}
function header(status: StatusColour, title: string, subtitle: string, b: Budget): AdaptiveElement {
  return {
    type: 'Container',
    style: status,
    bleed: true,
    items: [
      textBlock(`${STATUS_ICON[status]} ${truncateText(title, 200)}`, { size: 'Large', weight: 'Bolder' }),
      textBlock(truncateText(subtitle, b.text), { spacing: 'Small' }),
    ],
  };
}
function openUrlActions(links: readonly SummaryLink[]): AdaptiveElement[] {
  return links.slice(0, 4).map((l, i) => ({
    type: 'Action.OpenUrl',
    title: i === 0 ? 'Open in portal' : truncateText(`Open ${l.title.toLowerCase()}`, 40),
    url: l.url,
  }));
}
function context(parts: Array<string | undefined>): AdaptiveElement {
  return textBlock(parts.filter((p): p is string => !!p).join(' · '), {
    size: 'Small',
    isSubtle: true,
    spacing: 'Medium',
  });
}

function bodyOfSummary(s: Summary, b: Budget): AdaptiveElement[] {
  const body: AdaptiveElement[] = [
    header(s.status, s.title, s.headline, b),
    heading('Why'),
    textBlock(truncateText(s.why, b.text)),
    factSet(s.facts, b),
  ];
  if (s.evidence.length) {
    body.push(heading('Evidence'));
    for (const e of limitItems(s.evidence, b.items))
      body.push(textBlock(`• ${truncateText(e, b.text)}`, { spacing: 'Small' }));
  }
  if (s.actions.length) {
    body.push(heading(s.actionsHeading));
    for (const a of s.actions.slice(0, b.items))
      body.push(textBlock(`• ${truncateText(a.text, b.text)}`, { color: ACTION_COLOUR[a.status], spacing: 'Small' }));
  }
  if (s.manualSteps.length) {
    body.push(heading('What a person must do'));
    limitItems(s.manualSteps, b.items).forEach((m, i) =>
      body.push(textBlock(`${i + 1}. ${truncateText(m, b.text)}`, { spacing: 'Small' })),
    );
  }
  if (s.rawDetail) {
    body.push(heading('Error as reported'));
    body.push(textBlock(truncateText(s.rawDetail, b.raw), { fontType: 'Monospace', size: 'Small', isSubtle: true }));
  }
  body.push(
    context([
      `Mode: ${s.mode}`,
      s.correlationId ? `Correlation id: ${s.correlationId}` : undefined,
      `Event: ${s.eventId}`,
      s.at,
    ]),
  );
  return body;
}

function bodyOfHeal(f: HealFollowUp, b: Budget): AdaptiveElement[] {
  return [
    header(f.status, f.title, f.text, b),
    factSet(f.facts, b),
    context([`Mode: ${f.mode}`, f.correlationId ? `Correlation id: ${f.correlationId}` : undefined, f.at]),
  ];
}

function bodyOfDigest(d: Digest, b: Budget): AdaptiveElement[] {
  return [
    header(d.status, d.title, d.text, b),
    heading('Same reason'),
    textBlock(truncateText(d.why, b.text)),
    factSet(d.facts, b),
    context([`Mode: ${d.mode}`, `Group: ${truncateText(d.key, 200)}`]),
  ];
}

function renderWith(m: NotificationMessage, b: Budget): TeamsMessage {
  let body: AdaptiveElement[];
  switch (m.type) {
    case 'summary':
      body = bodyOfSummary(m, b);
      break;
    case 'heal':
      body = bodyOfHeal(m, b);
      break;
    case 'digest':
      body = bodyOfDigest(m, b);
      break;
    default: {
      const never: never = m;
      throw new Error(`unexpected message ${JSON.stringify(never)}`);
    }
  }
  const card: AdaptiveCard = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: ADAPTIVE_CARD_VERSION,
    body,
    actions: openUrlActions(m.links),
    msteams: { width: 'Full' },
  };
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };
}

/** Render for a Teams Workflows webhook; always under TEAMS_MAX_BYTES. */
export function renderTeams(m: NotificationMessage): TeamsMessage {
  let last: TeamsMessage | undefined;
  for (const b of BUDGETS) {
    last = renderWith(m, b);
    if (measureJsonBytes(last) <= TEAMS_MAX_BYTES) return last;
  }
  // Even the smallest budget is too big (absurd numbers of facts/links): keep the header, the why and the link.
  const card = (last as TeamsMessage).attachments[0]?.content as AdaptiveCard;
  card.body = card.body.slice(0, 3);
  return last as TeamsMessage;
}

/** The teams channel (Teams Workflows webhook: an Adaptive Card, at most 4 requests a second). */
export const TEAMS_CHANNEL: ChannelSpec = {
  render: renderTeams,
  limits: { minIntervalMs: 250 },
};
