/**
 * `remediator demo` (the README's main-job command): bundled scenarios through the whole pipeline — intake,
 * diagnosis, plan, guardrails, fixes, notifications, heal check — against the ARM emulator and Azurite, first in
 * dry-run, in auto-fix, then in approve mode (a local person presses Approve on each message's link). Teams and Slack messages are really posted to a local webhook sink and rendered into an
 * HTML preview page.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadWorld } from '../../emulator/world';
import { createLogger } from '../logging';
import type { Outcome, RemediatorMode } from '../model';
import { LOCAL_APPROVER, startHarness } from '../local/harness';
import { startAzurite } from '../local/azurite';
import { writePreviews } from '../adapters/preview-files';
import { readJsonFile } from './files';
import { type DemoRun, renderScenarioText } from './demo-render';
import { type CliIo, painter, UsageError, writeLine } from './io';

export interface DemoScenario {
  name: string;
  title: string;
  world: string;
  event: string;
  env?: Record<string, string>;
}

/** The modes each scenario runs in: the first two side by side, then the approve loop (approved by a local person). */
export const DEMO_MODES: readonly RemediatorMode[] = ['dry-run', 'auto-fix', 'approve'];

/** The file in `--out` that holds every posted Teams and Slack payload, with the outcomes of each run. */
export const DEMO_MESSAGES_FILE = 'messages.json';

/** The bundled scenarios (paths relative to the repository root). */
export const DEMO_SCENARIOS: readonly DemoScenario[] = [
  {
    name: 'seed-story',
    title: 'Revision cannot pull api:latest — user-assigned identity without AcrPull',
    world: 'test/worlds/seed-story.json',
    event: 'test/worlds/seed-story.event.json',
  },
  {
    name: 'arm-token-auth-disabled',
    title: 'Registry with authentication-as-arm disabled (fix type enabled by the operator)',
    world: 'test/worlds/arm-token-auth-disabled.json',
    event: 'test/worlds/arm-token-auth-disabled.event.json',
    env: { REMEDIATOR_ALLOWED_FIX_TYPES: 'assign-role,redeploy-revision,enable-arm-token-auth' },
  },
  {
    name: 'abac-role-mismatch',
    title: 'ABAC registry: identity holds AcrPull, which ABAC mode does not honour',
    world: 'test/worlds/abac-role-mismatch.json',
    event: 'test/worlds/abac-role-mismatch.event.json',
  },
  {
    name: 'image-not-found',
    title: 'A tag that does not exist',
    world: 'test/worlds/image-not-found.json',
    event: 'test/worlds/image-not-found.event.json',
  },
  {
    name: 'arm-authz-wrong-scope',
    title: 'AuthorizationFailed: the right role, at a sibling scope',
    world: 'test/worlds/arm-authz-wrong-scope.json',
    event: 'test/worlds/arm-authz-wrong-scope.event.json',
  },
];

export async function runDemo(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string', default: 'out/demo' },
      json: { type: 'boolean', default: false },
      only: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const root = resolve(__dirname, '..', '..');
  const outDir = resolve(io.cwd, values.out ?? 'out/demo');
  mkdirSync(outDir, { recursive: true });
  const p = painter(io.stdout, io.env);
  const scenarios = DEMO_SCENARIOS.filter((s) => !values.only || s.name === values.only);
  if (scenarios.length === 0)
    throw new UsageError(
      `--only: no scenario '${values.only ?? ''}' (${DEMO_SCENARIOS.map((s) => s.name).join(', ')})`,
    );
  const started = Date.now();

  const storage = await startAzurite();
  const sink = await startWebhookSink();
  // Approve runs keep what the first message offered (`awaitingApproval`) beside the outcomes after approval.
  const report: Array<{ scenario: string; mode: RemediatorMode; outcomes: Outcome[]; awaitingApproval?: Outcome[] }> =
    [];
  let run = 0;
  try {
    for (const s of scenarios) {
      const runs: DemoRun[] = [];
      for (const mode of DEMO_MODES) {
        run += 1;
        const world = loadWorld(join(root, s.world));
        const payload = readJsonFile(join(root, s.event), 'event', root);
        const harness = await startHarness({
          world,
          mode,
          storage,
          log: createLogger({ level: 'silent' }),
          env: {
            ...s.env,
            // each run gets its own tables: dry-run claims must not hide the auto-fix run's work
            REMEDIATOR_CLAIMS_TABLE: `democlaims${run}`,
            REMEDIATOR_AUDIT_TABLE: `demoaudit${run}`,
            TEAMS_WEBHOOK_URL: `${sink.url}/teams/${s.name}/${mode}`,
            SLACK_WEBHOOK_URL: `${sink.url}/slack/${s.name}/${mode}`,
          },
        });
        try {
          const writesNow = (): number => harness.emulator.requestLog.filter((r) => r.write).length;
          let outcomes = await harness.settle(await harness.deliver(payload));
          let approval: DemoRun['approval'];
          let awaitingApproval: Outcome[] | undefined;
          if (mode === 'approve') {
            awaitingApproval = outcomes;
            // A person opens each message's Approve link and presses Approve (the same path as in Azure).
            const awaiting = outcomes.flatMap((o) => o.actions ?? []).filter((a) => a.status === 'awaiting-approval');
            const writesBefore = writesNow();
            outcomes = await harness.settle(await harness.approveAll(outcomes));
            approval = { awaiting: awaiting.length, writesBefore, approver: LOCAL_APPROVER.name };
          }
          const writes = writesNow();
          report.push({ scenario: s.name, mode, outcomes, ...(awaitingApproval ? { awaitingApproval } : {}) });
          const posted = (channel: string): number =>
            sink.received.filter((m) => m.channel === channel && m.scenario === s.name && m.mode === mode).length;
          runs.push({
            mode,
            outcomes,
            writes,
            messages: { teams: posted('teams'), slack: posted('slack') },
            ...(approval ? { approval } : {}),
          });
        } finally {
          await harness.stop();
        }
      }
      if (!values.json) renderScenarioText(s, runs, io, values.verbose);
    }
  } finally {
    await sink.stop();
    await storage.stop();
  }

  const page = await writePreviews(
    sink.received
      .filter((m) => m.channel === 'teams')
      .map((m) => ({
        title: `${m.scenario} · ${m.mode}`,
        teams: m.body,
        slack:
          sink.received.find(
            (x) => x.channel === 'slack' && x.scenario === m.scenario && x.mode === m.mode && x.seq === m.seq,
          )?.body ?? null,
      })),
    outDir,
  );
  // The payloads exactly as posted: the previews, the README picture and the card tests read them.
  const messagesFile = join(outDir, DEMO_MESSAGES_FILE);
  writeFileSync(messagesFile, `${JSON.stringify({ runs: report, messages: sink.received }, null, 1)}\n`);
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ runs: report, previews: page, messages: sink.received.length, messagesFile })}\n`,
    );
  } else {
    writeLine(io.stdout);
    writeLine(
      io.stdout,
      `${p.green('✔')} ${scenarios.length} scenarios × ${DEMO_MODES.length} modes in ${((Date.now() - started) / 1000).toFixed(1)}s; ${sink.received.length} Teams/Slack messages posted to a local webhook sink`,
    );
    writeLine(io.stdout, `  previews: ${page}`);
    writeLine(io.stdout, p.dim('  heal times are on the emulator clock (the world file’s time), not wall-clock time'));
  }
  return 0;
}

export interface Received {
  channel: 'teams' | 'slack';
  scenario: string;
  mode: string;
  seq: number;
  body: unknown;
}

/** A real local HTTP server standing in for the Teams and Slack webhooks. */
async function startWebhookSink(): Promise<{ url: string; received: Received[]; stop(): Promise<void> }> {
  const received: Received[] = [];
  const counters = new Map<string, number>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [, channel, scenario, mode] = (req.url ?? '').split('/');
      const key = `${channel}/${scenario}/${mode}`;
      const seq = (counters.get(key) ?? 0) + 1;
      counters.set(key, seq);
      let body: unknown = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      } catch {
        body = Buffer.concat(chunks).toString('utf8');
      }
      if (channel === 'teams' || channel === 'slack')
        received.push({ channel, scenario: scenario ?? '', mode: mode ?? '', seq, body });
      res.writeHead(channel === 'slack' ? 200 : 202, { 'content-type': 'text/plain' });
      res.end(channel === 'slack' ? 'ok' : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
