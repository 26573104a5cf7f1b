/**
 * Logging: pino JSON lines; no secret survives, whether in a known field, a free-text message, or an error.
 */
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { childForEvent, createLogger, redactSecrets, redactSecretsEveryPass } from '../src/logging';

const TEAMS =
  'https://prod-42.westeurope.logic.azure.com:443/workflows/0a1b2c3d4e5f/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Zk9vQmFyQmF6UXV4UXV1eFNlY3JldFNpZ25hdHVyZQ';
const TEAMS_PP =
  'https://default72f988bf86f141af91ab2d7cd011db.47.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/9a8b7c6d/triggers/manual/paths/invoke?api-version=1&sig=UHBTZWNyZXRTaWdTaWc';
const SLACK = 'https://hooks.slack.com/services/T0123ABCD/B0456EFGH/xYzSeCrEtToKeN1234567890';
const JWT =
  'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tLyJ9.c2lnbmF0dXJlU2lnbmF0dXJl';
const OPAQUE_TOKEN = 'opaqueTokenValue_9f8e7d6c5b4a';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CONN = `DefaultEndpointsProtocol=https;AccountName=remediatorst;AccountKey=${ACCOUNT_KEY};EndpointSuffix=core.windows.net`;
const SAS_SIG = 'sv2026sigValueXYZ%2Babc%3D';
const BLOB_SAS = `https://remediatorst.blob.core.windows.net/c/x.json?sv=2022-11-02&se=2026-11-22&sp=r&sig=${SAS_SIG}`;
const SECRETS = [
  'Zk9vQmFyQmF6UXV4UXV1eFNlY3JldFNpZ25hdHVyZQ',
  'UHBTZWNyZXRTaWdTaWc',
  'xYzSeCrEtToKeN1234567890',
  'B0456EFGH',
  JWT,
  OPAQUE_TOKEN,
  ACCOUNT_KEY,
  SAS_SIG,
];

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const text = (): string => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('redactSecrets', () => {
  it.each([
    ['Teams workflow URL', `posting to ${TEAMS} now`, 'prod-42.westeurope.logic.azure.com'],
    ['Power Platform workflow URL', `url=${TEAMS_PP}`, 'environment.api.powerplatform.com'],
    ['Slack hook URL', `"${SLACK}"`, 'hooks.slack.com'],
    ['bearer token', `Authorization: Bearer ${JWT}`, 'Bearer [REDACTED]'],
    ['opaque bearer token', `header Bearer ${OPAQUE_TOKEN}.`, 'Bearer [REDACTED]'],
    ['authorization header, any scheme', `authorization=${OPAQUE_TOKEN}`, 'authorization=[REDACTED]'],
    ['AccountKey in a connection string', CONN, 'AccountName=remediatorst'],
    ['sig= in any URL', BLOB_SAS, 'sp=r&sig=[REDACTED]'],
    ['a bare JWT', `token ${JWT}`, '[REDACTED]'],
  ])('%s', (_what, input, kept) => {
    const out = redactSecrets(input);
    for (const s of SECRETS) expect(out).not.toContain(s);
    expect(out).toContain(kept);
    expect(out).toContain('[REDACTED]');
  });

  it('leaves ordinary text and ARM ids alone', () => {
    const text =
      "The client 'd1c2' with object id 'd1c2' does not have authorization to perform action 'Microsoft.ContainerRegistry/registries/pull/read' over scope '/subscriptions/0b1c/resourceGroups/shared-rg'";
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('createLogger', () => {
  it('writes JSON lines without any secret, from fields, messages, bindings and errors', async () => {
    const out = capture();
    const log = createLogger({
      level: 'debug',
      destination: out.stream,
      secrets: ['http://127.0.0.1:4567/teams-sink?k=local-secret-value'],
    });
    const child = log.child({ target: SLACK });
    child.info(
      {
        teamsWebhookUrl: TEAMS,
        headers: { Authorization: `Bearer ${OPAQUE_TOKEN}`, 'x-ms-client-request-id': 'abc' },
        connectionString: CONN,
      },
      `sent to ${SLACK}`,
    );
    log.error(new Error(`POST ${TEAMS} failed: 403 with token ${JWT}`));
    log.warn(
      { err: Object.assign(new Error(`storage ${CONN} refused`), { code: 'AuthorizationFailure', statusCode: 403 }) },
      'store failed',
    );
    log.info({ nested: { deeper: [{ url: BLOB_SAS }] } }, 'nested');
    log.info('free text with http://127.0.0.1:4567/teams-sink?k=local-secret-value inside');
    await flush();

    const text = out.text();
    for (const s of [...SECRETS, 'local-secret-value']) expect(text).not.toContain(s);
    const lines = out.lines();
    expect(lines).toHaveLength(5);
    // Still useful: levels, messages, codes and non-secret fields survive.
    expect(lines[0]).toMatchObject({
      level: 'info',
      headers: { Authorization: '[REDACTED]', 'x-ms-client-request-id': 'abc' },
      teamsWebhookUrl: '[REDACTED]',
    });
    expect(String(lines[0]?.['msg'])).toContain('https://hooks.slack.com/[REDACTED]');
    expect(lines[1]).toMatchObject({ level: 'error' });
    expect(String(lines[1]?.['msg'])).toContain('failed: 403');
    expect(lines[2]).toMatchObject({ err: { code: 'AuthorizationFailure', statusCode: 403 } });
    expect(JSON.stringify(lines[2])).toContain('AccountName=remediatorst');
  });

  it('honours the level', async () => {
    const out = capture();
    const log = createLogger({ level: 'warn', destination: out.stream });
    log.info('quiet');
    log.warn('loud');
    await flush();
    expect(out.lines().map((l) => l['msg'])).toEqual(['loud']);
  });

  it('childForEvent binds eventId, correlationId and resourceId', async () => {
    const out = capture();
    const log = childForEvent(createLogger({ level: 'info', destination: out.stream }), {
      id: 'evt-1',
      correlationId: 'corr-1',
      resourceId: '/subscriptions/s/resourcegroups/rg/providers/Microsoft.App/containerApps/web',
    });
    log.info('diagnosed');
    await flush();
    expect(out.lines()[0]).toMatchObject({
      eventId: 'evt-1',
      correlationId: 'corr-1',
      resourceId: '/subscriptions/s/resourcegroups/rg/providers/Microsoft.App/containerApps/web',
      msg: 'diagnosed',
    });
  });
});

describe('redactSecrets pre-check (text that cannot hold a secret skips the replace passes)', () => {
  const fragments = [
    TEAMS,
    TEAMS_PP,
    SLACK,
    JWT,
    CONN,
    BLOB_SAS,
    `Bearer ${OPAQUE_TOKEN}`,
    `SharedAccessSignature sr=x&sig=${SAS_SIG}`,
    `authorization: ${OPAQUE_TOKEN}`,
    `"x-functions-key":"${OPAQUE_TOKEN}"`,
    `Ocp-Apim-Subscription-Key=${OPAQUE_TOKEN}`,
    `?code=${OPAQUE_TOKEN}&x=1`,
    `&access_token=${OPAQUE_TOKEN}`,
    `ClientSecret=${OPAQUE_TOKEN};`,
    'https://management.azure.com/subscriptions/s/resourceGroups/rg?api-version=2024-03-01',
    '/subscriptions/0b1c/resourceGroups/web-rg/providers/Microsoft.App/containerApps/web',
    'GET',
    ' ',
    '=',
    '?',
  ];
  it('answers exactly what every replace pass answers, for any mix of secret-bearing and plain text', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...fragments), fc.string()), { maxLength: 6 }), (parts) => {
        const text = parts.join('');
        expect(redactSecrets(text)).toBe(redactSecretsEveryPass(text));
      }),
      { numRuns: 500 },
    );
  });
});
