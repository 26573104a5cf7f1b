/**
 * The preview page (written to disk, Adaptive Cards library inlined, Slack blocks as HTML) and the outbox timer
 * trigger's handler (called directly, as the Functions host would).
 */
import { WEBHOOK_TRANSPORTS } from '../../src/adapters/webhook-sender';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext, type Timer } from '@azure/functions';
import pino from 'pino';
import { makeOutboxTimerHandler, OUTBOX_TIMER_SCHEDULE, runOutboxRetry } from '../../src/functions/outbox-timer';
import { buildSummary, createNotifier, renderSlack, renderSlackHtml, renderTeams } from '../../src/notify';
import { writePreviews } from '../../src/adapters/preview-files';
import { createMemoryStore } from '../../src/store/memory-store';
import { createFakeTime, createManualClock, makeOutcome, startSink } from './fixtures';

const NOW = new Date('2026-11-21T10:00:05Z');

describe('writePreviews', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'previews-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one page with the adaptivecards library inlined, each card as data and Slack blocks as HTML', async () => {
    const outcome = makeOutcome('acr-pull/missing-role', { mode: 'auto-fix' });
    outcome.diagnosis!.details.provisioningError = 'bad </script><img src=x onerror=alert(1)> UNAUTHORIZED';
    const summary = buildSummary(outcome, undefined, { mode: 'auto-fix', now: NOW });
    const page = await writePreviews(
      [
        { title: 'first <b>title</b>', teams: renderTeams(summary), slack: renderSlack(summary) },
        { title: 'teams only', teams: renderTeams(summary), slack: null },
      ],
      dir,
    );
    expect(page).toBe(join(dir, 'notification-previews.html'));
    const html = await readFile(page, 'utf8');
    const lib = await readFile(require.resolve('adaptivecards/dist/adaptivecards.min.js'), 'utf8');
    expect(html).toContain(lib.slice(0, 200)); // the UMD build itself, inline
    expect(html).toContain('new AdaptiveCards.AdaptiveCard()');
    expect(html).toContain('first &lt;b&gt;title&lt;/b&gt;');
    expect(html).toContain('data-card="card-0"');
    expect(html).toContain('data-card="card-1"');
    expect(html).toContain('no Slack message');
    // Card JSON is embedded without closing its script tag early; nothing from the error text becomes markup.
    expect(html).not.toContain('<img src=x');
    const scripts = html.match(/<script\b/g)?.length ?? 0;
    expect(html.match(/<\/script>/g)?.length).toBe(scripts);
    // Slack: header, a portal button, the raw error in a code block.
    expect(html).toContain('class="s-header"');
    expect(html).toContain(`href="${summary.links[0]!.url}"`);
    expect(html).toMatch(/<code>bad &lt;\/script&gt;&lt;img src=x onerror=alert\(1\)&gt; UNAUTHORIZED<\/code>/);
  });

  it('lays Slack mrkdwn out as HTML (bold, code, fields)', () => {
    const html = renderSlackHtml({
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'A <b> header' } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*bold* and `code`\nnext &lt;line&gt;' },
          fields: [{ type: 'mrkdwn', text: '*App*\nweb' }],
        },
        { type: 'divider' },
      ],
    });
    expect(html).toContain('<div class="s-header">A &lt;b&gt; header</div>');
    expect(html).toContain('<b>bold</b> and <code>code</code><br>next &lt;line&gt;');
    expect(html).toContain('<div class="s-fields"><div><b>App</b><br>web</div></div>');
    expect(html).toContain('<hr class="s-divider">');
  });
});

describe('outbox timer', () => {
  it('runs every two minutes', () => {
    expect(OUTBOX_TIMER_SCHEDULE).toBe('0 */2 * * * *');
  });

  it('does nothing without a configured channel', async () => {
    expect(await runOutboxRetry(undefined)).toBeUndefined();
  });

  it('delivers due digests and outbox items and says so in the invocation log', async () => {
    const sink = await startSink();
    try {
      const clock = createManualClock();
      const time = createFakeTime();
      const store = createMemoryStore({ clock });
      sink.script('/teams/', [{ status: 503 }, { status: 503 }]);
      const notifier = createNotifier({
        transports: WEBHOOK_TRANSPORTS,
        teamsWebhookUrl: `${sink.url}/teams/t`,
        store,
        clock,
        log: pino({ level: 'silent' }),
        mode: 'auto-fix',
        digestWindowMs: 60_000,
        sleep: time.sleep,
        monotonicNow: time.now,
        maxAttempts: 2,
      });
      // The first of a group fails (→ outbox); a second joins the group (→ digest).
      await notifier.notify(makeOutcome('acr-pull/missing-role', { eventId: 'a', app: 'web' }));
      await notifier.notify(makeOutcome('acr-pull/missing-role', { eventId: 'b', app: 'api' }));
      expect(sink.received).toHaveLength(0);

      clock.advance(120_000);
      const lines: string[] = [];
      const context = new InvocationContext({
        functionName: 'outboxRetry',
        logHandler: (_level, ...args) => lines.push(args.map(String).join(' ')),
      });
      const timer = {
        isPastDue: false,
        schedule: { adjustForDST: false },
        scheduleStatus: { last: '', next: '', lastUpdated: '' },
      } as Timer;
      await makeOutboxTimerHandler(async () => notifier)(timer, context);

      expect(sink.received).toHaveLength(2);
      const bodies = sink.received.map((q) => JSON.stringify(q.body));
      expect(bodies.some((b) => b.includes('1 more revision of 1 app failed for the same reason.'))).toBe(true);
      expect(bodies.some((b) => b.includes('the identity web-pull cannot pull'))).toBe(true);
      expect(lines.join('\n')).toContain('1 digest(s) and 1 retried message(s) delivered');

      // A second tick has nothing left to do.
      lines.length = 0;
      await makeOutboxTimerHandler(async () => notifier)(timer, context);
      expect(sink.received).toHaveLength(2);
      expect(lines).toEqual([]);
    } finally {
      await sink.stop();
    }
  });
});
