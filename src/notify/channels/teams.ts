/**
 * Teams renderer (pure): a notification → the Workflows webhook body
 * `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":AdaptiveCard}]}`.
 * Adaptive Card 1.5: a coloured header with the sentence a person acts on, the names (FactSet), what was done and
 * what a person must still do; the full evidence, commands and ids in a container that "Details and ids"
 * (Action.ToggleVisibility) shows; portal buttons. Kept under `TEAMS_MAX_BYTES` by shrinking the text budgets.
 */
import type { ActionStatus, ApprovalLinks } from '../../model';
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
  'awaiting-approval': 'Accent',
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
/** Portal buttons (at most two: the card stays one row of buttons at Teams' width) and the details toggle. */
function cardActions(links: readonly SummaryLink[], hasDetails: boolean): AdaptiveElement[] {
  const open: AdaptiveElement[] = links.slice(0, 2).map((l, i) => ({
    type: 'Action.OpenUrl',
    title: i === 0 ? 'Open in portal' : truncateText(`Open ${l.title.toLowerCase()}`, 40),
    url: l.url,
  }));
  if (hasDetails)
    open.push({ type: 'Action.ToggleVisibility', title: 'Details and ids', targetElements: [DETAILS_ID] });
  return open;
}

/** The id of the container that holds ids and the full evidence, hidden until "Details and ids" is pressed. */
export const DETAILS_ID = 'details';

function small(text: string, extra: Record<string, unknown> = {}): AdaptiveElement {
  return textBlock(text, { size: 'Small', spacing: 'Small', ...extra });
}

/** Hidden until toggled: the full evidence, the commands to copy, the raw error, the ids. */
function detailsContainer(
  parts: { evidence?: readonly string[]; commands?: readonly string[]; raw?: string; facts: readonly SummaryFact[] },
  b: Budget,
): AdaptiveElement {
  const items: AdaptiveElement[] = [];
  if (parts.evidence?.length) {
    items.push(heading('Evidence'));
    for (const e of limitItems(parts.evidence, b.items)) items.push(small(`• ${truncateText(e, b.text)}`));
  }
  if (parts.commands?.length) {
    items.push(heading('Commands'));
    for (const c of limitItems(parts.commands, b.items))
      items.push(small(truncateText(c, b.text), { fontType: 'Monospace' }));
  }
  if (parts.raw) {
    items.push(heading('Error as reported'));
    items.push(small(truncateText(parts.raw, b.raw), { fontType: 'Monospace', isSubtle: true }));
  }
  if (parts.facts.length) items.push({ ...factSet(parts.facts, b), spacing: 'Medium' });
  return { type: 'Container', id: DETAILS_ID, isVisible: false, separator: true, spacing: 'Medium', items };
}

/** Approve mode: Teams Workflows webhooks cannot receive card callbacks, so Approve / Dismiss open the approval page. */
function approvalActions(a: ApprovalLinks): AdaptiveElement[] {
  return [
    { type: 'Action.OpenUrl', title: 'Approve', url: a.approveUrl, style: 'positive' },
    { type: 'Action.OpenUrl', title: 'Dismiss', url: a.dismissUrl, style: 'destructive' },
  ];
}

function bodyOfSummary(s: Summary, b: Budget): AdaptiveElement[] {
  const body: AdaptiveElement[] = [header(s.status, s.title, s.headline, b)];
  if (s.facts.length) body.push(factSet(s.facts, b));
  if (s.actions.length) {
    body.push(heading(s.actionsHeading));
    for (const a of s.actions.slice(0, b.items))
      body.push(textBlock(`• ${truncateText(a.text, b.text)}`, { color: ACTION_COLOUR[a.status], spacing: 'Small' }));
  }
  if (s.manualSteps.length) {
    body.push(heading('What you need to do'));
    limitItems(s.manualSteps, b.items).forEach((m, i) =>
      body.push(textBlock(`${i + 1}. ${truncateText(m, b.text)}`, { spacing: 'Small' })),
    );
  }
  body.push(
    detailsContainer(
      {
        evidence: [s.why, ...s.evidence],
        ...(s.commands ? { commands: s.commands } : {}),
        ...(s.rawDetail ? { raw: s.rawDetail } : {}),
        facts: s.details ?? [],
      },
      b,
    ),
  );
  return body;
}

function bodyOfHeal(f: HealFollowUp, b: Budget): AdaptiveElement[] {
  return [header(f.status, f.title, f.text, b), factSet(f.facts, b), detailsContainer({ facts: f.details ?? [] }, b)];
}

function bodyOfDigest(d: Digest, b: Budget): AdaptiveElement[] {
  return [
    header(d.status, d.title, d.text, b),
    textBlock(truncateText(d.why, b.text), { spacing: 'Small' }),
    factSet(d.facts, b),
    detailsContainer({ facts: [{ title: 'Group', value: d.key }] }, b),
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
    actions: [
      ...(m.type === 'summary' && m.approval ? approvalActions(m.approval) : []),
      ...cardActions(m.links, true),
    ],
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
  // Even the smallest budget is too big (absurd numbers of facts/links): keep the header, the names and the details.
  const card = (last as TeamsMessage).attachments[0]?.content as AdaptiveCard;
  card.body = [...card.body.slice(0, 2), ...card.body.slice(-1)]; // header, names, the (toggled) details
  return last as TeamsMessage;
}

/** The teams channel (Teams Workflows webhook: an Adaptive Card, at most 4 requests a second). */
export const TEAMS_CHANNEL: ChannelSpec = {
  render: renderTeams,
  limits: { minIntervalMs: 250 },
};
