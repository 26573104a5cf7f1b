/**
 * Storm: 2,000 failure events for 40 container apps that share 2 user-assigned identities and 1 registry (none holds
 * AcrPull), delivered in batches of 10 by 4 concurrent workers. Each worker is its own remediator instance
 * (startHarness: own SDK clients and caches, own notifier) sharing ONE ARM emulator and ONE Azurite, in auto-fix, with
 * Teams and Slack webhooks pointed at a local sink. Counted from the emulator's request log and the sink:
 *   roleAssignmentWrites  PUTs of role assignments (target 2: one per identity)
 *   redeploys             PATCH/PUT of container apps: one per redeploy attempt (adaptive schedule: the role still
 *                         propagates on the emulator's clock for the early attempts); the new revisions that run
 *                         (target 40: one per app) and the failed attempts (at most 3 per app)
 *   messages              POSTs received by the sink (target <= 12)
 * Run alone: `npx tsx bench/storm.bench.ts`.
 */
import { startEmulator } from '../emulator';
import type { World } from '../emulator/api';
import { startHarness, type Harness } from '../src/local/harness';
import { ClockedScheduler } from '../src/remediate';
import { startAzurite } from '../src/local/azurite';
import type { Outcome } from '../src/model';
import { buildStormEvents, buildStormWorld } from '../test/helpers/storm';
import { round, startWebhookSink } from './util';

export interface StormBenchResult {
  events: number;
  apps: number;
  roleAssignmentWrites: number;
  redeploys: number;
  /** New revisions (the remediator's `heal-` suffix) that run / that failed (attempts before the role took effect). */
  runningRedeploys: number;
  failedRedeploys: number;
  otherWrites: number;
  messages: number;
  teamsMessages: number;
  slackMessages: number;
  /** Slack messages by title (the same messages go to Teams). */
  slackTitles: Record<string, number>;
  /** Apps whose heal (the final heal result of the event that scheduled it) says healed. */
  healed: number;
  statuses: Record<string, number>;
  actionStatuses: Record<string, number>;
  wallMs: number;
  eventsPerSecond: number;
  fixBudgetPerHour: number;
}

export async function runStormBench(
  opts: { events?: number; apps?: number; workers?: number; batch?: number } = {},
): Promise<StormBenchResult> {
  const nEvents = opts.events ?? 2000;
  const nApps = opts.apps ?? 40;
  const nWorkers = opts.workers ?? 4;
  const batchSize = opts.batch ?? 10;
  // 40 redeploys + 2 role assignments are 42 fixes: the default budget (20/hour) would block half of them. The
  // storm measures de-duplication, so the budget is raised and reported with the figures.
  const fixBudgetPerHour = 100;
  const storm = buildStormWorld({ apps: nApps, identities: 2 });
  const events = buildStormEvents(storm, nEvents);
  const [emulator, storage, sink] = await Promise.all([
    startEmulator({ world: storm.world }),
    startAzurite(),
    startWebhookSink(),
  ]);
  const harnesses: Harness[] = [];
  // Function instances share one Storage Queue for heal steps: the instances here share one scheduler.
  const scheduler = new ClockedScheduler(emulator.clock);
  try {
    for (let w = 0; w < nWorkers; w++) {
      harnesses.push(
        await startHarness({
          world: storm.world,
          emulator,
          storage,
          scheduler,
          mode: 'auto-fix',
          env: {
            TEAMS_WEBHOOK_URL: `${sink.url}/teams/workflow?sig=storm-secret`,
            SLACK_WEBHOOK_URL: `${sink.url}/slack/services/T000/B000/stormsecret`,
            REMEDIATOR_FIX_BUDGET_PER_HOUR: String(fixBudgetPerHour),
          },
        }),
      );
    }
    emulator.clearRequestLog();
    const batches: Array<Array<Record<string, unknown>>> = [];
    for (let i = 0; i < events.length; i += batchSize) batches.push(events.slice(i, i + batchSize));
    let next = 0;
    const outcomesBy: Outcome[][] = harnesses.map(() => []);
    const t0 = performance.now();
    await Promise.all(
      harnesses.map(async (h, w) => {
        while (next < batches.length) {
          const batch = batches[next++] as Array<Record<string, unknown>>;
          for (let attempt = 1; ; attempt++) {
            try {
              outcomesBy[w]?.push(...(await h.deliver(batch)));
              break;
            } catch (err) {
              // A transient fault: Event Grid would redeliver the batch.
              if (attempt >= 5) throw err;
            }
          }
        }
      }),
    );
    // Heal steps (redeploy after the propagation wait) run from the shared queue; one instance drains it.
    const settled: Outcome[] = await (harnesses[0] as Harness).settle(outcomesBy.flat());
    const wallMs = performance.now() - t0;

    const writes = emulator.requestLog.filter((r) => r.write);
    const roleAssignmentWrites = writes.filter((r) => r.method === 'PUT' && /\/roleAssignments\//i.test(r.path)).length;
    const redeploys = writes.filter(
      (r) => (r.method === 'PATCH' || r.method === 'PUT') && /\/containerApps\/[^/]+$/i.test(r.path),
    ).length;
    const statuses: Record<string, number> = {};
    const actionStatuses: Record<string, number> = {};
    for (const o of settled) {
      statuses[o.status] = (statuses[o.status] ?? 0) + 1;
      for (const a of o.actions ?? []) {
        const k = `${a.type}:${a.status}`;
        actionStatuses[k] = (actionStatuses[k] ?? 0) + 1;
      }
    }
    // What the messages were about (Slack's fallback text starts with the message title, "Title · app: …").
    const slackTitles: Record<string, number> = {};
    for (const r of sink.received.filter((x) => x.path.startsWith('/slack'))) {
      const raw = (JSON.parse(r.body) as { text?: unknown }).text;
      const text = typeof raw === 'string' ? raw : '';
      const title = text
        .split(' · ')
        .slice(0, text.startsWith('Digest') || text.startsWith('Heal digest') ? 2 : 1)
        .join(' · ');
      slackTitles[title] = (slackTitles[title] ?? 0) + 1;
    }
    const teamsMessages = sink.received.filter((r) => r.path.startsWith('/teams')).length;
    const slackMessages = sink.received.filter((r) => r.path.startsWith('/slack')).length;
    return {
      events: nEvents,
      apps: nApps,
      roleAssignmentWrites,
      redeploys,
      ...countHealRevisions(emulator.snapshot()),
      otherWrites: writes.length - roleAssignmentWrites - redeploys,
      messages: sink.received.length,
      teamsMessages,
      slackMessages,
      slackTitles,
      healed: new Set(
        (harnesses[0] as Harness)
          .healResults()
          .filter((h) => h.result.status === 'healed')
          .map((h) => h.appId.toLowerCase()),
      ).size,
      statuses,
      actionStatuses,
      wallMs: round(wallMs, 0),
      eventsPerSecond: round(nEvents / (wallMs / 1000), 0),
      fixBudgetPerHour,
    };
  } finally {
    for (const h of harnesses) await h.stop().catch(() => undefined);
    await Promise.allSettled([emulator.stop(), storage.stop(), sink.stop()]);
  }
}

if (require.main === module) {
  runStormBench()
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}

/** The remediator's new revisions (suffix `heal-…`) in the final state: running, and failed (early attempts). */
function countHealRevisions(world: World): { runningRedeploys: number; failedRedeploys: number } {
  const heals = world.resources.filter((r) => /\/revisions\/[^/]+--heal-[^/]+$/i.test(r.id));
  const state = (r: (typeof heals)[number]): unknown =>
    (r.properties as Record<string, unknown> | undefined)?.['runningState'];
  return {
    runningRedeploys: heals.filter((r) => state(r) === 'Running').length,
    failedRedeploys: heals.filter((r) => state(r) === 'Failed').length,
  };
}
