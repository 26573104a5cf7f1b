/**
 * A real browser approves a fix: Debian's headless Chromium, driven by playwright-core, opens the Approve link of the
 * Slack message the remediator really posted (rendered on the notification preview page), sees the plan, clicks
 * Approve and sees the result; ARM (the emulator) gets the role assignment exactly once.
 * Skipped, loudly, only where /usr/bin/chromium is missing (`.ci/run` installs it).
 * `UPDATE_SCREENSHOTS=1` rewrites docs/approval-page.png (the README's picture).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writePreviews } from '../../src/adapters/preview-files';
import { CHROMIUM_PATH as CHROMIUM, launchChromium, type Browser } from '../helpers/chromium';
import type { Harness } from '../../src/local/harness';
import { readEventPayload, roleAssignmentPuts, startApproveHarness } from './helpers';

jest.setTimeout(180_000);

const maybe = existsSync(CHROMIUM) ? test : test.skip;
if (!existsSync(CHROMIUM)) console.warn(`browser test skipped: ${CHROMIUM} is missing (apt-get install chromium)`);

interface Sink {
  url: string;
  bodies: unknown[];
  close(): Promise<void>;
}
async function startSink(): Promise<Sink> {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
      res.end('1');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    bodies,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

let h: Harness | undefined;
let browser: Browser | undefined;
let teams: Sink | undefined;
let slack: Sink | undefined;
const dir = mkdtempSync(join(tmpdir(), 'approve-browser-'));
afterAll(async () => {
  await browser?.close();
  await h?.stop();
  await teams?.close();
  await slack?.close();
  rmSync(dir, { recursive: true, force: true });
});

maybe('open the Approve link from the rendered message, see the plan, approve, see the result', async () => {
  teams = await startSink();
  slack = await startSink();
  h = await startApproveHarness({ TEAMS_WEBHOOK_URL: `${teams.url}teams`, SLACK_WEBHOOK_URL: `${slack.url}slack` });
  await h.settle(await h.deliver(readEventPayload('missing-role')));
  const teamsBody = teams.bodies[0] as { attachments: Array<{ content: { actions: Array<Record<string, string>> } }> };
  const slackBody = slack.bodies[0];
  expect(slackBody).toBeDefined();
  // Teams: Action.OpenUrl buttons to the approval page (Workflows webhooks cannot receive card callbacks).
  const approveAction = teamsBody.attachments[0]?.content.actions.find((a) => a['title'] === 'Approve');
  expect(approveAction?.['type']).toBe('Action.OpenUrl');
  expect(approveAction?.['url']).toContain(h.approval?.url ?? '?');

  const page = await writePreviews([{ title: 'approve mode', teams: teamsBody, slack: slackBody }], dir);
  browser = await launchChromium({ width: 900, height: 760 });
  const tab = await browser.context.newPage();
  await tab.goto(pathToFileURL(page).href);
  // The Teams card renders its Approve button too.
  await tab.locator('.teams-host').getByText('Approve', { exact: true }).first().waitFor({ timeout: 15_000 });
  // Open the link from the Slack message.
  await tab.locator('a.s-button', { hasText: 'Approve' }).click();
  await tab.waitForURL(/\/api\/approval\?t=/);
  await tab.getByRole('heading', { name: 'Approve this fix?' }).waitFor();
  expect(await tab.locator('#plan').innerText()).toContain('assign-role');
  expect(await tab.locator('#plan').innerText()).toContain('allowed now');
  expect(roleAssignmentPuts(h)).toBe(0);
  if (process.env['UPDATE_SCREENSHOTS'] === '1')
    await tab.screenshot({ path: resolve(__dirname, '../../docs/approval-page.png'), fullPage: true });

  await tab.getByRole('button', { name: 'Approve' }).click();
  await tab.locator('#result').waitFor();
  expect(await tab.locator('#result').innerText()).toBe('Approved by Ada Lovelace');
  expect(await tab.locator('body').innerText()).toContain('assign-role applied');
  expect(roleAssignmentPuts(h)).toBe(1);

  // Back to the link (the page is never cached): it is used up.
  await tab.goBack();
  await tab.getByRole('heading', { name: 'Already decided' }).waitFor();
  expect(await tab.locator('#message').innerText()).toContain('already approved by Ada Lovelace');
  expect(roleAssignmentPuts(h)).toBe(1);
});
