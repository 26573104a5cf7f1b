/**
 * The demo's REAL payloads — every Teams and Slack message its scenarios posted to the local webhook sink, in both
 * modes — checked as people get them: no step for a person that repeats an applied fix, no full ARM id in what a card
 * shows, valid Adaptive Cards and Block Kit within limits, and (in headless Chromium, Teams' 520 px width) every card
 * at most 700 px tall, its "Details and ids" toggle showing the ids. The demo's terminal output is checked too.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { DEMO_MESSAGES_FILE, DEMO_SCENARIOS } from '../../src/cli/demo';
import type { CliIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/main';
import type { ActionType, Outcome } from '../../src/model';
import { DETAILS_ID, hasArmId, PREVIEW_FILE, type SlackMessage, type TeamsMessage } from '../../src/notify';
import type { AdaptiveElement } from '../../src/notify/channels/teams';
import { launchChromium, type Browser } from '../helpers/chromium';
import { checkSlackLimits, textsOfBlocks, validateTeams } from './validate';

const ROOT = resolve(__dirname, '..', '..');
const MAX_CARD_HEIGHT_PX = 700;
const TEAMS_WIDTH_PX = 520;

interface Posted {
  channel: 'teams' | 'slack';
  scenario: string;
  mode: string;
  seq: number;
  body: unknown;
}
interface DemoFile {
  runs: Array<{ scenario: string; mode: string; outcomes: Outcome[]; awaitingApproval?: Outcome[] }>;
  messages: Posted[];
}

let out: string;
let demoText: string;
let demo: DemoFile;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'demo-cards-'));
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (c: Buffer) => (text += c.toString()));
  const io: CliIo = { stdout, stderr: new PassThrough(), env: { NO_COLOR: '1' }, cwd: ROOT };
  expect(await runCli(['demo', '--out', out], io)).toBe(0);
  demoText = text;
  demo = JSON.parse(readFileSync(join(out, DEMO_MESSAGES_FILE), 'utf8')) as DemoFile;
}, 240_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

const teamsOf = (m: Posted): TeamsMessage => m.body as TeamsMessage;
const cardBody = (m: Posted): AdaptiveElement[] => teamsOf(m).attachments[0]!.content.body;

/** What a Teams card shows before anyone presses "Details and ids": every text outside the hidden container. */
function shownTexts(elements: readonly AdaptiveElement[]): string[] {
  const texts: string[] = [];
  for (const e of elements) {
    if (e['isVisible'] === false) continue;
    if (typeof e['text'] === 'string') texts.push(e['text']);
    for (const f of (e['facts'] as Array<{ title: string; value: string }> | undefined) ?? [])
      texts.push(`${f.title} ${f.value}`);
    if (Array.isArray(e['items'])) texts.push(...shownTexts(e['items'] as AdaptiveElement[]));
  }
  return texts;
}

/** The numbered steps under "What you need to do". */
function stepsShown(body: readonly AdaptiveElement[]): string[] {
  const at = body.findIndex((e) => e['text'] === 'What you need to do');
  if (at < 0) return [];
  return body
    .slice(at + 1)
    .filter((e) => typeof e['text'] === 'string' && /^\d+\. /.test(e['text']))
    .map((e) => e['text'] as string);
}

/** How a step that redoes each fix type would read (src/notify/people.ts words the az commands so). */
const REDO: Record<ActionType, RegExp> = {
  'assign-role': /^\d+\. Assign /,
  'redeploy-revision': /^\d+\. Start a new revision/,
  'enable-arm-token-auth': /^\d+\. Enable authentication-as-arm/,
  'start-job-execution': /^\d+\. Start job /,
};
const REDO_COMMAND: Record<ActionType, RegExp> = {
  'assign-role': /az role assignment create/,
  'redeploy-revision': /az containerapp update .*--revision-suffix/,
  'enable-arm-token-auth': /az acr config authentication-as-arm/,
  'start-job-execution': /az containerapp job start/,
};

describe('the demo (terminal)', () => {
  it('fits 120 columns (at most 5 % of lines wider), shows no ARM id, prints each evidence once', () => {
    const lines = demoText.trimEnd().split('\n');
    const wide = lines.filter((l) => Array.from(l).length > 120);
    expect(wide.length / lines.length).toBeLessThanOrEqual(0.05);
    expect(lines.filter((l) => hasArmId(l))).toEqual([]);
    // Every scenario is there once, with both modes side by side.
    for (const s of DEMO_SCENARIOS) expect(demoText.split(`━━ ${s.name}: `)).toHaveLength(2);
    expect(demoText.match(/^ +dry-run +auto-fix$/gm)).toHaveLength(DEMO_SCENARIOS.length);
    // Each scenario's evidence is printed once, not once per mode.
    for (const s of DEMO_SCENARIOS) {
      const block = demoText.split(`━━ ${s.name}: `)[1]!.split('\n━━ ')[0]!;
      const evidence = demo.runs.find((r) => r.scenario === s.name)!.outcomes[0]!.diagnosis!.evidence;
      expect({ scenario: s.name, bullets: block.split('\n').filter((l) => l.startsWith('     • ')).length }).toEqual({
        scenario: s.name,
        bullets: evidence.length,
      });
    }
    expect(demoText).toMatch(/healed after \S+( \S+)? \(simulated(; \d+ redeploy attempts?)?\)/);
    expect(demoText).not.toMatch(/\(simulated\) \(/); // one parenthesis, not two side by side
    // The approve loop closes each scenario: what awaited approval (0 writes) and who approved, or nothing to approve.
    for (const s of DEMO_SCENARIOS) {
      const block = demoText.split(`━━ ${s.name}: `)[1]!.split('\n━━ ')[0]!;
      const run = demo.runs.find((r) => r.scenario === s.name && r.mode === 'approve')!;
      const pending = (run.awaitingApproval ?? []).flatMap((o) => o.actions ?? []);
      if (pending.some((a) => a.status === 'awaiting-approval'))
        expect(block).toMatch(
          /approve mode: ⏳ \d+ fix(es)? awaiting approval, 0 ARM writes → approved by .+\n +→ ✔ \d+ applied/,
        );
      else expect(block).toContain('approve mode: nothing to approve');
    }
    console.log(`demo output: ${lines.length} lines, ${wide.length} over 120 columns`);
  });
});

describe("the demo's real payloads", () => {
  it('covers every scenario in the three modes, Teams and Slack', () => {
    for (const s of DEMO_SCENARIOS)
      for (const mode of ['dry-run', 'auto-fix', 'approve'])
        for (const channel of ['teams', 'slack'])
          expect(demo.messages.some((m) => m.scenario === s.name && m.mode === mode && m.channel === channel)).toBe(
            true,
          );
  });

  it('every Teams card is a valid Adaptive Card 1.5 that shows no full ARM id; ids wait behind the toggle', () => {
    for (const m of demo.messages.filter((x) => x.channel === 'teams')) {
      const { problems } = validateTeams(teamsOf(m));
      expect({ at: `${m.scenario}/${m.mode}#${m.seq}`, problems }).toEqual({
        at: `${m.scenario}/${m.mode}#${m.seq}`,
        problems: [],
      });
      const card = teamsOf(m).attachments[0]!.content;
      expect(card.version).toBe('1.5');
      const shown = shownTexts(card.body);
      expect(shown.filter((t) => hasArmId(t))).toEqual([]);
      expect(shown.join('\n')).not.toMatch(/would do .*\(dry-run: would/i);
      const details = card.body.find((e) => e['id'] === DETAILS_ID);
      expect(details).toMatchObject({ isVisible: false });
      expect(card.actions).toContainEqual(expect.objectContaining({ type: 'Action.ToggleVisibility' }));
    }
  });

  it('an approval request offers Approve and never lists the fix it asks to approve as a step for a person', () => {
    let checked = 0;
    for (const run of demo.runs.filter((r) => r.mode === 'approve')) {
      const pending = new Set(
        (run.awaitingApproval ?? [])
          .flatMap((o) => o.actions ?? [])
          .filter((a) => a.status === 'awaiting-approval')
          .map((a) => a.type),
      );
      if (pending.size === 0) continue;
      const first = demo.messages.find(
        (m) => m.channel === 'teams' && m.scenario === run.scenario && m.mode === 'approve',
      )!;
      const card = teamsOf(first).attachments[0]!.content;
      expect(JSON.stringify(card.actions)).toMatch(/Approve/);
      const steps = stepsShown(card.body);
      for (const type of pending) {
        expect({ card: run.scenario, type, steps: steps.filter((x) => REDO[type].test(x)) }).toEqual({
          card: run.scenario,
          type,
          steps: [],
        });
        checked += 1;
      }
      expect(shownTexts(card.body).join('\n')).toMatch(/press Approve to /);
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('every Slack message is within Block Kit limits and shows ids only in context blocks', () => {
    for (const m of demo.messages.filter((x) => x.channel === 'slack')) {
      const slack = m.body as SlackMessage;
      checkSlackLimits(slack);
      const shown = textsOfBlocks(slack.blocks).filter((t) => t.where !== 'context');
      expect(shown.filter((t) => hasArmId(t.text))).toEqual([]);
    }
  });

  it('never tells a person to redo a fix that was applied; says what is left when nothing was', () => {
    let checked = 0;
    for (const run of demo.runs) {
      const cards = demo.messages.filter(
        (m) => m.channel === 'teams' && m.scenario === run.scenario && m.mode === run.mode,
      );
      for (const o of run.outcomes) {
        const applied = new Set((o.actions ?? []).filter((a) => a.status === 'applied').map((a) => a.type));
        for (const card of cards) {
          const steps = stepsShown(cardBody(card));
          const hidden = JSON.stringify(cardBody(card).find((e) => e['id'] === DETAILS_ID));
          for (const type of applied) {
            expect({
              card: `${run.scenario}/${run.mode}`,
              type,
              steps: steps.filter((s) => REDO[type].test(s)),
            }).toEqual({ card: `${run.scenario}/${run.mode}`, type, steps: [] });
            expect(hidden).not.toMatch(REDO_COMMAND[type]);
            checked += 1;
          }
        }
        // A failure only a person can fix still says what to do.
        if (o.diagnosis && (o.actions ?? []).every((a) => a.status === 'manual'))
          expect(stepsShown(cardBody(cards[0]!)).length).toBeGreaterThan(0);
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it(`in Chromium at Teams' width (${TEAMS_WIDTH_PX} px) every card is at most ${MAX_CARD_HEIGHT_PX} px tall`, async () => {
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.context.newPage();
      await page.goto(`file://${join(out, PREVIEW_FILE)}`);
      await page.waitForSelector('.teams-host .ac-adaptiveCard');
      const hosts = page.locator('.teams-host');
      const cards: Array<{ title: string; width: number; height: number; text: string }> = [];
      for (let i = 0; i < (await hosts.count()); i++) {
        const card = hosts.nth(i).locator('.ac-adaptiveCard');
        const box = await card.boundingBox();
        cards.push({
          title: await page.locator('section h2').nth(i).innerText(),
          width: Math.round(box?.width ?? 0),
          height: Math.round(box?.height ?? 0),
          text: await card.innerText(),
        });
      }
      expect(cards.length).toBe(demo.messages.filter((m) => m.channel === 'teams').length);
      for (const c of cards) {
        expect({ card: c.title, width: c.width }).toEqual({ card: c.title, width: TEAMS_WIDTH_PX });
        expect({ card: c.title, tooTall: c.height > MAX_CARD_HEIGHT_PX, height: c.height }).toMatchObject({
          card: c.title,
          tooTall: false,
        });
        expect({ card: c.title, armIdShown: hasArmId(c.text) }).toEqual({ card: c.title, armIdShown: false });
      }
      console.log(`card heights at ${TEAMS_WIDTH_PX} px: ${cards.map((c) => `${c.title} ${c.height}`).join('; ')}`);

      // The toggle works in the real renderer: pressing it shows the ids.
      const first = page.locator('.teams-host').first();
      const before = (await first.boundingBox())?.height ?? 0;
      await first.getByRole('button', { name: 'Details and ids' }).click();
      const after = (await first.boundingBox())?.height ?? 0;
      expect(after).toBeGreaterThan(before);
      expect(hasArmId(await first.innerText())).toBe(true);
    } finally {
      await browser?.close();
    }
  }, 120_000);
});
