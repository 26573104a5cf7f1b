/**
 * Regenerates docs/previews/teams-slack.png from the demo's REAL payloads (what its scenarios posted to the local
 * webhook sink), rendered by the preview page (Adaptive Cards at Teams' 520 px, Slack blocks) in headless Chromium:
 *   npx tsx docs/previews/generate.ts [OUT.png]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { DEMO_MESSAGES_FILE } from '../../src/cli/demo';
import { processIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/main';
import { writePreviews } from '../../src/notify';
import { launchChromium } from '../../test/helpers/chromium';

interface Posted {
  channel: 'teams' | 'slack';
  scenario: string;
  mode: string;
  seq: number;
  body: unknown;
}

/** The messages the picture shows: a fix applied, its heal, a failure only a person can fix, a dry-run. */
const PICKED = [
  { scenario: 'seed-story', mode: 'auto-fix', seq: 1, title: 'seed story · auto-fix: the fix' },
  { scenario: 'seed-story', mode: 'auto-fix', seq: 2, title: 'seed story · auto-fix: the heal check' },
  { scenario: 'arm-authz-wrong-scope', mode: 'auto-fix', seq: 1, title: 'AuthorizationFailed · a person must act' },
  { scenario: 'abac-role-mismatch', mode: 'dry-run', seq: 1, title: 'ABAC registry · dry-run' },
];

async function main(): Promise<void> {
  const target = resolve(process.argv[2] ?? join(__dirname, 'teams-slack.png'));
  const dir = mkdtempSync(join(tmpdir(), 'previews-'));
  try {
    const io = { ...processIo(), stdout: new PassThrough() }; // the demo's terminal output is not wanted here
    if ((await runCli(['demo', '--out', dir], io)) !== 0) throw new Error('the demo failed');
    const { messages } = JSON.parse(readFileSync(join(dir, DEMO_MESSAGES_FILE), 'utf8')) as { messages: Posted[] };
    const find = (channel: string, p: (typeof PICKED)[number]): unknown =>
      messages.find((m) => m.channel === channel && m.scenario === p.scenario && m.mode === p.mode && m.seq === p.seq)
        ?.body ?? null;
    const page = await writePreviews(
      PICKED.map((p) => ({ title: p.title, teams: find('teams', p), slack: find('slack', p) })),
      join(dir, 'picked'),
    );
    const browser = await launchChromium({ width: 1200, height: 900 });
    try {
      const tab = await browser.context.newPage();
      await tab.goto(`file://${page}`);
      await tab.waitForSelector('.teams-host .ac-adaptiveCard');
      await tab.screenshot({ path: target, fullPage: true });
    } finally {
      await browser.close();
    }
    console.log(target);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
