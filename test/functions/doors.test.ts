/**
 * The three doors, driven through their real handlers with real @azure/functions request/context objects and the
 * real pipeline. The ARM port is a counting fake: ignored and rejected events must never reach it.
 */
import { join } from 'node:path';
import { HttpRequest, type HttpResponseInit } from '@azure/functions';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../src/config';
import { makeAlertHandler } from '../../src/functions/activity-log-alert';
import { makeEventGridHandler } from '../../src/functions/event-grid-failures';
import { makeWebhookHandler } from '../../src/functions/event-grid-webhook';
import type { PipelineDeps } from '../../src/pipeline';
import { asList, DEFAULT_MAX_BYTES, loadCorpus } from '../intake/corpus';
import { createContext, createTestDeps } from './deps';

const fixture = (p: string): string => readFileSync(`${__dirname}/../fixtures/events/${p}.json`, 'utf8');
// The shared examples sit next to the repository (`../shared` from its root).
const seedText = readFileSync(join(__dirname, '../../../shared/examples/seed-story/event.json'), 'utf8');

const post = (url: string, body: string, headers: Record<string, string> = {}): HttpRequest =>
  new HttpRequest({
    method: 'POST',
    url,
    body: { string: body },
    headers: { 'content-type': 'application/json', ...headers },
  });
const WEBHOOK_URL = 'https://remediator.example.net/api/eventgrid';
const ALERT_URL = 'https://remediator.example.net/api/alerts/activity-log';

interface Body {
  results?: Array<{ eventId: string; status: string; kind?: string; error?: string; reason?: string }>;
  error?: string;
  validationResponse?: string;
  problems?: string[];
}
const bodyOf = (r: HttpResponseInit): Body => r.jsonBody as Body;

describe('HTTP doors over the fixture corpus', () => {
  const corpus = loadCorpus();
  it.each(corpus.map((c) => [`${c.door}/${c.name}`, c] as const))('%s', async (_n, c) => {
    const maxBytes = c.expected.maxBytes ?? DEFAULT_MAX_BYTES;
    const t = createTestDeps({ env: { REMEDIATOR_MAX_PAYLOAD_BYTES: String(maxBytes) } });
    const handler = c.door === 'alert' ? makeAlertHandler(async () => t.deps) : makeWebhookHandler(async () => t.deps);
    const { context } = createContext(c.door === 'alert' ? 'activityLogAlert' : 'eventGridWebhook');

    const res = await handler(post(c.door === 'alert' ? ALERT_URL : WEBHOOK_URL, c.text), context);

    expect(res.status).toBe(c.expected.http);
    const body = bodyOf(res);
    const items = c.expected.items ?? [];
    const accepted = items.filter((i) => i.status === 'accepted').length;
    if (accepted === 0)
      expect(t.arm.calls).toEqual([]); // ignored / rejected / handshake: no ARM call at all
    else expect(t.arm.calls.length).toBeGreaterThan(0);
    if (c.expected.handshake) expect(body.validationResponse).toBe(c.expected.handshake.validationCode);
    if (c.expected.body) expect(body.error).toContain(c.expected.body.errorIncludes);
    if (c.expected.items) {
      // accepted events end diagnosed (here: `unknown`, the fake ARM refuses every read)
      expect(body.results?.map((r) => r.status)).toEqual(
        items.map((i) => (i.status === 'accepted' ? 'diagnosed' : i.status)),
      );
      items.forEach((want, n) => {
        const got = body.results?.[n];
        if (want.eventId) expect(got?.eventId).toBe(want.eventId);
        for (const s of asList(want.errorIncludes)) expect(got?.error).toContain(s);
        for (const s of asList(want.reasonIncludes)) expect(got?.reason).toContain(s);
      });
    }
  });
});

describe('eventGridWebhook', () => {
  it('answers the SubscriptionValidationEvent handshake without touching ARM', async () => {
    const t = createTestDeps();
    const res = await makeWebhookHandler(async () => t.deps)(
      post(WEBHOOK_URL, fixture('eventgrid/subscription-validation'), { 'aeg-event-type': 'SubscriptionValidation' }),
      createContext('eventGridWebhook').context,
    );
    expect(res).toMatchObject({
      status: 200,
      jsonBody: { validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' },
    });
    expect(t.arm.calls).toEqual([]);
  });

  it('answers the CloudEvents OPTIONS abuse-protection handshake', async () => {
    const t = createTestDeps();
    const handler = makeWebhookHandler(async () => t.deps);
    const ok = await handler(
      new HttpRequest({
        method: 'OPTIONS',
        url: WEBHOOK_URL,
        headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
      }),
      createContext('eventGridWebhook').context,
    );
    expect(ok.status).toBe(200);
    expect(ok.headers).toMatchObject({ 'WebHook-Allowed-Origin': 'eventgrid.azure.net', 'WebHook-Allowed-Rate': '*' });

    const stranger = await handler(
      new HttpRequest({
        method: 'OPTIONS',
        url: WEBHOOK_URL,
        headers: { 'WebHook-Request-Origin': 'evil.example.com' },
      }),
      createContext('eventGridWebhook').context,
    );
    expect(stranger.status).toBe(403);
    const missing = await handler(
      new HttpRequest({ method: 'OPTIONS', url: WEBHOOK_URL }),
      createContext('eventGridWebhook').context,
    );
    expect(missing.status).toBe(400);
    expect(t.arm.calls).toEqual([]);
  });

  it('answers 413 from the declared Content-Length before reading the body', async () => {
    const t = createTestDeps({ env: { REMEDIATOR_MAX_PAYLOAD_BYTES: '1024' } });
    const res = await makeWebhookHandler(async () => t.deps)(
      post(WEBHOOK_URL, '[]', { 'content-length': '5000000' }),
      createContext('eventGridWebhook').context,
    );
    expect(res.status).toBe(413);
    expect(bodyOf(res).error).toContain('5000000 bytes, the limit is 1024 bytes');
  });

  it('answers 500 (so Event Grid retries) only when ARM fails transiently', async () => {
    const t = createTestDeps({ arm: 'transient' });
    const res = await makeWebhookHandler(async () => t.deps)(
      post(WEBHOOK_URL, `[${seedText}]`),
      createContext('eventGridWebhook').context,
    );
    expect(res.status).toBe(500);
    expect(bodyOf(res).error).toContain('transient');
    expect(t.arm.calls.length).toBeGreaterThan(0);
    // The claim on the event was released: the retried delivery is not a duplicate.
    expect(await t.deps.store.get('event', '8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968')).toBeUndefined();
  });

  it('answers 500 with every configuration problem while the settings are invalid', async () => {
    const { context, logs } = createContext('eventGridWebhook');
    const res = await makeWebhookHandler(() =>
      Promise.reject(new ConfigError(['REMEDIATOR_MODE: invalid (got "yolo")', 'LOG_LEVEL: invalid (got "x")'])),
    )(post(WEBHOOK_URL, seedText), context);
    expect(res.status).toBe(500);
    expect(bodyOf(res)).toMatchObject({
      error: 'invalid configuration',
      problems: ['REMEDIATOR_MODE: invalid (got "yolo")', 'LOG_LEVEL: invalid (got "x")'],
    });
    expect(
      logs.some((l) => l.level === 'error' && l.text.includes('REMEDIATOR_MODE') && l.text.includes('LOG_LEVEL')),
    ).toBe(true);
  });

  it('treats a redelivered event as a duplicate', async () => {
    const t = createTestDeps();
    const handler = makeWebhookHandler(async () => t.deps);
    const first = await handler(post(WEBHOOK_URL, seedText), createContext('eventGridWebhook').context);
    const again = await handler(post(WEBHOOK_URL, seedText), createContext('eventGridWebhook').context);
    expect(bodyOf(first).results?.[0]?.status).toBe('diagnosed');
    expect(bodyOf(again).results?.[0]?.status).toBe('duplicate');
  });
});

describe('eventGridFailures (Event Grid trigger)', () => {
  const event = (p: string): unknown => JSON.parse(fixture(p)) as unknown;

  it('acknowledges ignored and rejected events without touching ARM', async () => {
    const t = createTestDeps();
    const handler = makeEventGridHandler(async () => t.deps);
    for (const p of [
      'eventgrid/write-success-ignored',
      'eventgrid/other-topic-blob-created-ignored',
      'eventgrid/missing-data',
      'eventgrid/wrong-types',
      'cloudevents/missing-time',
    ]) {
      const { context, logs } = createContext('eventGridFailures');
      await expect(handler(event(p), context)).resolves.toBeUndefined();
      expect(logs.some((l) => /^(ignored|rejected)/.test(l.text))).toBe(true);
    }
    expect(t.arm.calls).toEqual([]);
    // Rejections are audited for people to find.
    const audit = await t.deps.store.listAudit();
    expect(audit.filter((a) => a.status === 'rejected')).toHaveLength(3);
  });

  it('processes a failure event (both schemas) and returns', async () => {
    const t = createTestDeps();
    const handler = makeEventGridHandler(async () => t.deps);
    const { context, logs } = createContext('eventGridFailures');
    await expect(handler(JSON.parse(seedText) as unknown, context)).resolves.toBeUndefined();
    await expect(
      handler(event('cloudevents/batch-action-failure-and-success'), createContext('eventGridFailures').context),
    ).resolves.toBeUndefined();
    expect(t.arm.calls.length).toBeGreaterThan(0);
    expect(logs.some((l) => l.text.includes('8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968=diagnosed'))).toBe(true);
  });

  it('throws for a transient fault so that Event Grid retries, and only then', async () => {
    const t = createTestDeps({ arm: 'transient' });
    const handler = makeEventGridHandler(async () => t.deps);
    await expect(
      handler(JSON.parse(seedText) as unknown, createContext('eventGridFailures').context),
    ).rejects.toMatchObject({ statusCode: 503 });
    // An irrelevant event with the same broken ARM is still acknowledged.
    await expect(
      handler(event('eventgrid/write-success-ignored'), createContext('eventGridFailures').context),
    ).resolves.toBeUndefined();
  });

  it('fails every invocation while the configuration is invalid', async () => {
    const { context, logs } = createContext('eventGridFailures');
    const broken = (): Promise<PipelineDeps> =>
      Promise.reject(new ConfigError(['ARM_ENDPOINT: must be an https:// URL (got "x")']));
    await expect(makeEventGridHandler(broken)(JSON.parse(seedText) as unknown, context)).rejects.toBeInstanceOf(
      ConfigError,
    );
    expect(logs.some((l) => l.level === 'error' && l.text.includes('ARM_ENDPOINT'))).toBe(true);
  });
});

describe('activityLogAlert', () => {
  it('accepts an AuthorizationFailed alert and reports per-event results', async () => {
    const t = createTestDeps();
    const res = await makeAlertHandler(async () => t.deps)(
      post(ALERT_URL, fixture('alert/authorization-failed-acr-pull')),
      createContext('activityLogAlert').context,
    );
    expect(res.status).toBe(200);
    expect(bodyOf(res).results).toEqual([
      expect.objectContaining({
        status: 'diagnosed',
        eventId: expect.stringContaining('|e1d2c3b4-a596-4877-8695-a4b3c2d1e0f9'),
      }),
    ]);
    expect(t.arm.calls.length).toBeGreaterThan(0);
  });

  it('never writes a secret into its logs', async () => {
    const t = createTestDeps();
    const alert = JSON.parse(fixture('alert/authorization-failed-acr-pull')) as { schemaId: string };
    // Rejected, and the error echoes the bad schemaId into logs and the answer.
    alert.schemaId = 'https://hooks.slack.com/services/T000/B000/LeakedSlackSecret';
    const { context, logs } = createContext('activityLogAlert');
    const res = await makeAlertHandler(async () => t.deps)(
      post(ALERT_URL, JSON.stringify(alert), { authorization: 'Bearer SuperSecretBearer' }),
      context,
    );
    expect(res.status).toBe(400);
    expect(bodyOf(res).error).toContain('unknown schema: schemaId "https://hooks.slack.com/[REDACTED]');
    const all = `${t.logLines()}\n${logs.map((l) => l.text).join('\n')}\n${JSON.stringify(res.jsonBody)}`;
    expect(all).not.toContain('LeakedSlackSecret');
    expect(all).not.toContain('SuperSecretBearer');
  });
});
