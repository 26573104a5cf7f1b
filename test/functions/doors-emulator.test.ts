/**
 * End to end through a door: HTTP request → webhook / alert handler → real pipeline → real SDK ARM adapter → the ARM
 * emulator over HTTPS (seed-story world). Deps come from src/runtime.ts `buildRuntimeDeps`, as in Azure.
 * Dry-run (the default): the fix is planned and nothing is written.
 */
import { HttpRequest } from '@azure/functions';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { makeAlertHandler } from '../../src/functions/activity-log-alert';
import { makeWebhookHandler } from '../../src/functions/event-grid-webhook';
import type { PipelineDeps } from '../../src/pipeline';
import type { HealTask } from '../../src/remediate';
import { buildRuntimeDeps } from '../../src/runtime';
import { staticCredential, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { createContext } from './deps';

const seed = JSON.parse(readFileSync(`${__dirname}/../worlds/seed-story.event.json`, 'utf8')) as Record<
  string,
  unknown
>;
const toCloudEvent = (e: Record<string, unknown>): Record<string, unknown> => ({
  specversion: '1.0',
  id: e['id'],
  type: e['eventType'],
  source: e['topic'],
  subject: String(e['subject']).replace('/resourceGroups/', '/resourcegroups/'),
  time: e['eventTime'],
  data: e['data'],
});

describe('doors against the ARM emulator', () => {
  let emu: TestEmulator;
  let deps: PipelineDeps;
  const scheduled: HealTask[] = [];
  let logText = '';

  beforeAll(async () => {
    emu = await startTestEmulator('test/worlds/seed-story.json');
    deps = await buildRuntimeDeps({
      env: {
        ARM_ENDPOINT: emu.endpoint,
        LOG_LEVEL: 'debug',
        TEAMS_WEBHOOK_URL: 'http://127.0.0.1:9/teams?sig=NeverLogThisSig',
      },
      credential: staticCredential,
      clock: emu.clock,
      tlsCa: emu.ca,
      armRetryOptions: { maxRetries: 1, retryDelayInMs: 5, maxRetryDelayInMs: 10 },
      logDestination: new Writable({
        write(chunk: Buffer, _e, cb) {
          logText += chunk.toString();
          cb();
        },
      }),
      // No notifier (nothing listens on port 9 and this test is not about messages); record heal steps.
      extend: async () => ({
        scheduler: { schedule: async (task: HealTask) => void scheduled.push(task) },
        notifier: undefined,
      }),
    });
  });
  afterAll(async () => {
    await emu.stop();
  });
  beforeEach(() => emu.clearRequestLog());

  it('a CloudEvents batch: diagnoses the seed story, plans the fix in dry-run, writes nothing', async () => {
    const success = {
      ...toCloudEvent(seed),
      id: 'ok-1',
      type: 'Microsoft.Resources.ResourceWriteSuccess',
      data: { ...(seed['data'] as object), status: 'Succeeded' },
    };
    const req = new HttpRequest({
      method: 'POST',
      url: 'https://remediator.example.net/api/eventgrid',
      headers: { 'content-type': 'application/cloudevents-batch+json; charset=utf-8' },
      body: { string: JSON.stringify([toCloudEvent(seed), success]) },
    });
    const res = await makeWebhookHandler(async () => deps)(req, createContext('eventGridWebhook').context);

    expect(res.status).toBe(200);
    const results = (
      res.jsonBody as {
        results: Array<{
          eventId: string;
          status: string;
          kind?: string;
          actions?: Array<{ type: string; status: string }>;
        }>;
      }
    ).results;
    expect(results[0]).toMatchObject({ eventId: seed['id'], status: 'diagnosed', kind: 'acr-pull/missing-role' });
    expect(results[0]?.actions).toEqual(expect.arrayContaining([{ type: 'assign-role', status: 'planned' }]));
    expect(results[1]).toMatchObject({ eventId: 'ok-1', status: 'ignored' });
    expect(emu.requestLog.length).toBeGreaterThan(0);
    expect(emu.requestLog.filter((r) => r.write)).toEqual([]);
    expect(logText).toContain('acr-pull/missing-role');
    expect(logText).not.toContain('NeverLogThisSig');
  });

  it('answers 500 while ARM keeps failing with 503, so Event Grid retries', async () => {
    emu.addFault({ kind: 'error', status: 503 });
    try {
      // Another ARM operation (its own correlation id): not a later event of the failure the first test handled.
      const data = {
        ...(seed['data'] as Record<string, unknown>),
        correlationId: 'c0ffee00-1234-4abc-8def-0123456789ac',
      };
      const event = { ...seed, id: 'retry-me-1', data };
      const req = new HttpRequest({
        method: 'POST',
        url: 'https://remediator.example.net/api/eventgrid',
        body: { string: JSON.stringify([event]) },
      });
      const res = await makeWebhookHandler(async () => deps)(req, createContext('eventGridWebhook').context);
      expect(res.status).toBe(500);
      expect(await deps.store.get('event', 'retry-me-1')).toBeUndefined();
    } finally {
      emu.clearFaults();
    }
  });

  it('an alert door delivery that is not ours makes no ARM request', async () => {
    const alert = readFileSync(`${__dirname}/../fixtures/events/alert/failed-other-operation-ignored.json`, 'utf8');
    const res = await makeAlertHandler(async () => deps)(
      new HttpRequest({
        method: 'POST',
        url: 'https://remediator.example.net/api/alerts/activity-log',
        body: { string: alert },
      }),
      createContext('activityLogAlert').context,
    );
    expect(res.status).toBe(200);
    expect(emu.requestLog).toEqual([]);
  });
});
