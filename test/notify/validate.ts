/** Validation helpers: Adaptive Cards through the `adaptivecards` library itself, Slack messages against Block Kit limits. */
import type { KnownBlock } from '@slack/types';
import type * as AdaptiveCardsModule from 'adaptivecards';
import { SLACK_LIMITS, type SlackMessage, type TeamsMessage } from '../../src/notify';

// The UMD build runs in Node (the package's `main` is ESM-only source that Node cannot load here).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCardsModule;

export function validateTeams(message: TeamsMessage): { problems: string[]; roundTrip: Record<string, unknown> } {
  expect(message.type).toBe('message');
  expect(message.attachments).toHaveLength(1);
  const att = message.attachments[0]!;
  expect(att.contentType).toBe('application/vnd.microsoft.card.adaptive');
  const card = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext();
  card.parse(att.content, ctx);
  const problems: string[] = [];
  for (let i = 0; i < ctx.eventCount; i++) problems.push(`parse: ${ctx.getEventAt(i).message}`);
  for (const e of card.validateProperties().validationEvents) problems.push(`validate: ${e.message}`);
  return { problems, roundTrip: card.toJSON() as Record<string, unknown> };
}

export function textsOfBlocks(blocks: KnownBlock[]): Array<{ where: string; text: string }> {
  const out: Array<{ where: string; text: string }> = [];
  for (const b of blocks) {
    if (b.type === 'header') out.push({ where: 'header', text: b.text.text });
    if (b.type === 'section') {
      if (b.text) out.push({ where: 'section', text: b.text.text });
      for (const f of b.fields ?? []) out.push({ where: 'field', text: f.text });
    }
    if (b.type === 'context')
      for (const e of b.elements)
        if ('text' in e && typeof e.text === 'string') out.push({ where: 'context', text: e.text });
    if (b.type === 'actions')
      for (const e of b.elements) if (e.type === 'button') out.push({ where: 'button', text: e.text.text });
  }
  return out;
}

export function checkSlackLimits(m: SlackMessage): void {
  expect(m.blocks.length).toBeGreaterThan(0);
  expect(m.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  expect(m.text.length).toBeGreaterThan(0);
  expect(m.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  for (const t of textsOfBlocks(m.blocks)) {
    const max =
      t.where === 'header'
        ? SLACK_LIMITS.headerText
        : t.where === 'field'
          ? SLACK_LIMITS.fieldText
          : t.where === 'button'
            ? SLACK_LIMITS.buttonText
            : SLACK_LIMITS.sectionText;
    expect({ where: t.where, length: t.text.length <= max }).toEqual({ where: t.where, length: true });
  }
  for (const b of m.blocks)
    if (b.type === 'section' && b.fields) expect(b.fields.length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
}
