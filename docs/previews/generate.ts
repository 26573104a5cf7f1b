/**
 * Regenerates the preview page behind docs/previews/teams-slack.png:
 *   npx tsx docs/previews/generate.ts /tmp/previews
 *   chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
 *     --no-first-run --hide-scrollbars --window-size=1400,2420 --screenshot=docs/previews/teams-slack.png \
 *     file:///tmp/previews/notification-previews.html
 * The messages are the real renderer output for test fixtures (test/notify/fixtures.ts).
 */
import { buildDigest, buildSummary, renderSlack, renderTeams, writePreviews } from '../../src/notify';
import { makeEvent, makeOutcome } from '../../test/notify/fixtures';

const now = new Date('2026-11-21T10:00:05Z');
const fixed = makeOutcome('acr-pull/missing-role', { mode: 'auto-fix' });
const first = buildSummary(fixed, makeEvent(fixed.eventId), { mode: 'auto-fix', now });
const denied = makeOutcome('arm-authz/deny-assignment', { mode: 'dry-run' });
const digest = buildDigest({
  key: `${'acr-pull/missing-role'}|7a6b5c4d…|contosoacr@2026-11-21T10:00:00.000Z`,
  first,
  count: 14,
  apps: ['web', 'api', 'jobs'],
  revisions: 14,
  window: { start: '2026-11-21T10:00:00.000Z', end: '2026-11-21T10:01:00.000Z' },
});
const messages = [
  { title: 'acr-pull/missing-role · auto-fix', m: first },
  { title: 'digest at the end of the window', m: digest },
  { title: 'arm-authz/deny-assignment · dry-run', m: buildSummary(denied, makeEvent(denied.eventId), { mode: 'dry-run', now }) },
].map(({ title, m }) => ({ title, teams: renderTeams(m), slack: renderSlack(m) }));

void writePreviews(messages, process.argv[2] ?? 'docs/previews/out').then((page) => console.log(page));
