/**
 * Slack renderer (pure): a notification → an incoming-webhook message of Block Kit blocks (typed with @slack/types)
 * plus a `text` fallback. Within Slack's limits: ≤ 50 blocks, section text ≤ 3000 chars, fields ≤ 10 × 2000,
 * header ≤ 150, button text ≤ 75; long texts end with "…".
 */
import type {
  ActionsBlock,
  Button,
  ContextBlock,
  DividerBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  SectionBlock,
} from '@slack/types';
import type { ActionStatus, ApprovalLinks } from '../../model';
import type { NotificationMessage, StatusColour, SummaryFact, SummaryLink } from '../message-types';
import { ELLIPSIS, limitItems, truncateText } from '../text';
import type { ChannelSpec } from './channel';

export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  headerText: 150,
  buttonText: 75,
  contextElements: 10,
  fallbackText: 3000,
} as const;

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const STATUS_EMOJI: Record<StatusColour, string> = { good: '✅', warning: '⚠️', attention: '🚨' };
const ACTION_EMOJI: Record<ActionStatus, string> = {
  applied: '✅',
  planned: '📝',
  blocked: '⛔',
  manual: '🧑‍🔧',
  failed: '❌',
  'awaiting-approval': '⏳',
};

/** Escape the three characters Slack's mrkdwn treats specially. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escape, then cut to `max` characters without leaving half an entity behind. */
function mrkdwnWithin(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  const cut = truncateText(escaped, max);
  return cut.replace(/&[a-z]{0,3}…$/, ELLIPSIS);
}

function mrkdwn(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text };
}

function header(status: StatusColour, title: string): HeaderBlock {
  return {
    type: 'header',
    text: {
      type: 'plain_text',
      text: truncateText(`${STATUS_EMOJI[status]} ${title}`, SLACK_LIMITS.headerText),
      emoji: true,
    },
  };
}

/** A section whose text is `*heading*` + lines, the lines cut to fit 3000 characters. */
function listSection(heading: string, lines: readonly string[]): SectionBlock {
  const head = `*${escapeMrkdwn(heading)}*`;
  let room = SLACK_LIMITS.sectionText - head.length;
  const out: string[] = [];
  for (const [i, line] of lines.entries()) {
    const remaining = lines.length - i;
    const perLine = Math.max(40, Math.floor(room / remaining) - 1);
    const l = mrkdwnWithin(line, Math.min(perLine, room - 1));
    if (room - l.length - 1 < 0 || l.length === 0) {
      out.push(`${ELLIPSIS} and ${lines.length - i} more`);
      break;
    }
    out.push(l);
    room -= l.length + 1;
  }
  const text = `${head}\n${out.join('\n')}`;
  return {
    type: 'section',
    text: mrkdwn(text.length <= SLACK_LIMITS.sectionText ? text : truncateText(text, SLACK_LIMITS.sectionText)),
  };
}

function factsSection(facts: readonly SummaryFact[]): SectionBlock | undefined {
  if (!facts.length) return undefined;
  const shown = facts.length > SLACK_LIMITS.fields ? facts.slice(0, SLACK_LIMITS.fields) : facts;
  return {
    type: 'section',
    fields: shown.map((f) => {
      const head = `*${mrkdwnWithin(f.title, 100)}*\n`;
      return mrkdwn(head + mrkdwnWithin(f.value, SLACK_LIMITS.fieldText - head.length));
    }),
  };
}

function contextBlock(parts: Array<string | undefined>): ContextBlock {
  const elements = parts
    .filter((p): p is string => !!p)
    .slice(0, SLACK_LIMITS.contextElements)
    .map((p) => mrkdwn(mrkdwnWithin(p, SLACK_LIMITS.fieldText)));
  return { type: 'context', elements };
}

/** Context blocks of pre-escaped mrkdwn lines, ten elements a block. */
function contextBlocks(lines: readonly string[]): ContextBlock[] {
  const out: ContextBlock[] = [];
  const kept = lines.filter((l) => l !== '');
  for (let i = 0; i < kept.length; i += SLACK_LIMITS.contextElements)
    out.push({
      type: 'context',
      elements: kept
        .slice(i, i + SLACK_LIMITS.contextElements)
        .map((l) => mrkdwn(l.length <= SLACK_LIMITS.fieldText ? l : truncateText(l, SLACK_LIMITS.fieldText))),
    });
  return out;
}

/** The ids as one context line: "Diagnosis `…` · App id `…` · …". */
function idsLine(facts: readonly SummaryFact[]): string {
  return facts.map((f) => `${mrkdwnWithin(f.title, 60)}: \`${mrkdwnWithin(f.value, 300)}\``).join(' · ');
}

function actionsBlock(links: readonly SummaryLink[]): ActionsBlock | undefined {
  const buttons: Button[] = links
    .filter((l) => l.url.length <= 3000)
    .slice(0, 4)
    .map((l, i) => {
      const b: Button = {
        type: 'button',
        text: {
          type: 'plain_text',
          text: truncateText(i === 0 ? 'Open in portal' : `Open ${l.title.toLowerCase()}`, SLACK_LIMITS.buttonText),
          emoji: true,
        },
        url: l.url,
        action_id: `open-${i}`,
      };
      if (i === 0) b.style = 'primary';
      return b;
    });
  return buttons.length ? { type: 'actions', elements: buttons } : undefined;
}

/**
 * Approve mode: Approve / Dismiss. With a Slack app (signing secret configured) they are interactive buttons carrying
 * the signed token, answered by the approval function's Slack route; otherwise link buttons to the approval page.
 */
function approvalBlock(a: ApprovalLinks): ActionsBlock {
  const button = (verb: 'approve' | 'dismiss'): Button => {
    const b: Button = {
      type: 'button',
      text: { type: 'plain_text', text: verb === 'approve' ? 'Approve' : 'Dismiss', emoji: true },
      action_id: `remediator-${verb}`,
      style: verb === 'approve' ? 'primary' : 'danger',
    };
    if (a.slackTokens) b.value = a.slackTokens[verb];
    else b.url = verb === 'approve' ? a.approveUrl : a.dismissUrl;
    return b;
  };
  return { type: 'actions', block_id: 'remediator-approval', elements: [button('approve'), button('dismiss')] };
}

const divider: DividerBlock = { type: 'divider' };

function pushIf(blocks: KnownBlock[], b: KnownBlock | undefined): void {
  if (b) blocks.push(b);
}

/** Render for a Slack incoming webhook. */
export function renderSlack(m: NotificationMessage): SlackMessage {
  const blocks: KnownBlock[] = [header(m.status, m.title)];
  let fallback: string;
  switch (m.type) {
    case 'summary': {
      blocks.push({ type: 'section', text: mrkdwn(mrkdwnWithin(m.headline, SLACK_LIMITS.sectionText)) });
      pushIf(blocks, factsSection(m.facts));
      if (m.actions.length)
        blocks.push(
          listSection(
            m.actionsHeading,
            m.actions.map((a) => `${ACTION_EMOJI[a.status]} ${a.text}`),
          ),
        );
      if (m.manualSteps.length)
        blocks.push(
          listSection(
            'What you need to do',
            m.manualSteps.map((s, i) => `${i + 1}. ${s}`),
          ),
        );
      // Slack has no toggle: the full evidence, the commands and the ids go in small grey context blocks.
      blocks.push(divider);
      blocks.push(
        ...contextBlocks([
          ...limitItems(m.evidenceForPeople ?? m.evidence, 8).map((e) => `• ${mrkdwnWithin(e, 600)}`),
          ...(m.commands ?? []).slice(0, 5).map((c) => `\`${mrkdwnWithin(c, 1200)}\``),
          ...(m.rawDetail ? [`Error as reported: \`${mrkdwnWithin(m.rawDetail.replace(/`/g, "'"), 1500)}\``] : []),
          idsLine(m.details ?? []),
        ]),
      );
      fallback = `${m.title}: ${m.headline}`;
      break;
    }
    case 'heal':
      blocks.push({ type: 'section', text: mrkdwn(mrkdwnWithin(m.text, SLACK_LIMITS.sectionText)) });
      pushIf(blocks, factsSection(m.facts));
      blocks.push(...contextBlocks([idsLine(m.details ?? [])]));
      fallback = `${m.title}: ${m.text}`;
      break;
    case 'digest':
      blocks.push({
        type: 'section',
        text: mrkdwn(`*${mrkdwnWithin(m.text, 500)}*\n${mrkdwnWithin(m.why, SLACK_LIMITS.sectionText - 510)}`),
      });
      pushIf(blocks, factsSection(m.facts));
      blocks.push(contextBlock([`Mode: *${m.mode}*`, `Group: \`${m.key}\``]));
      fallback = `${m.title}: ${m.text}`;
      break;
    default: {
      const never: never = m;
      throw new Error(`unexpected message ${JSON.stringify(never)}`);
    }
  }
  if (m.type === 'summary' && m.approval) blocks.push(approvalBlock(m.approval));
  pushIf(blocks, actionsBlock(m.links));
  return { text: mrkdwnWithin(fallback, SLACK_LIMITS.fallbackText), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

/** The slack channel (Slack incoming webhook: Block Kit, at most 1 request a second). */
export const SLACK_CHANNEL: ChannelSpec = {
  render: renderSlack,
  limits: { minIntervalMs: 1000 },
};
