/**
 * src/runtime.ts: deps built once per process; a bad configuration is reported at start-up (every problem) and
 * every invocation then answers with it.
 */
import { HttpRequest } from '@azure/functions';
import { Writable } from 'node:stream';
import { ConfigError } from '../../src/config';
import { makeWebhookHandler } from '../../src/functions/event-grid-webhook';
import { createLogger } from '../../src/logging';
import { checkConfigAtStartup, configureRuntime, getRuntimeDeps, listConfigSecrets } from '../../src/runtime';
import { staticCredential } from '../helpers/emulator';
import { createContext } from './deps';

const BAD_ENV = { REMEDIATOR_MODE: 'yolo', LOG_LEVEL: 'chatty', SLACK_WEBHOOK_URL: 'not-a-url/SlackSecretPart' };

describe('runtime', () => {
  afterEach(() => configureRuntime({}));

  it('logs every configuration problem at start-up, without secret values', () => {
    let text = '';
    const log = createLogger({
      level: 'info',
      destination: new Writable({
        write(c: Buffer, _e, cb) {
          text += c.toString();
          cb();
        },
      }),
    });
    const problems = checkConfigAtStartup(BAD_ENV, log);
    expect(problems).toHaveLength(3);
    for (const name of ['REMEDIATOR_MODE', 'LOG_LEVEL', 'SLACK_WEBHOOK_URL']) expect(text).toContain(name);
    expect(text).not.toContain('SlackSecretPart');
    expect(checkConfigAtStartup({}, log)).toEqual([]);
  });

  it('every invocation answers 500 with the config error while the settings are invalid', async () => {
    configureRuntime({ env: BAD_ENV, credential: staticCredential });
    const first = getRuntimeDeps();
    expect(getRuntimeDeps()).toBe(first); // built once per process
    await expect(first).rejects.toBeInstanceOf(ConfigError);
    const handler = makeWebhookHandler(getRuntimeDeps);
    for (let i = 0; i < 2; i++) {
      const res = await handler(
        new HttpRequest({ method: 'POST', url: 'https://x/api/eventgrid', body: { string: '[]' } }),
        createContext('eventGridWebhook').context,
      );
      expect(res.status).toBe(500);
      expect((res.jsonBody as { problems: string[] }).problems).toHaveLength(3);
    }
  });

  it('builds once from valid settings (in-memory store, no notifier without webhook URLs)', async () => {
    configureRuntime({ env: { LOG_LEVEL: 'silent' }, credential: staticCredential });
    const deps = await getRuntimeDeps();
    expect(await getRuntimeDeps()).toBe(deps);
    expect(deps.config.mode).toBe('dry-run');
    expect(deps.store.kind).toBe('memory');
    expect(deps.notifier).toBeUndefined();
    expect(typeof deps.scheduler.schedule).toBe('function');
  });

  it('lists the configured secrets for the logger to scrub', () => {
    configureRuntime({});
    const secrets = listConfigSecrets({
      teamsWebhookUrl: 'https://prod-1.westeurope.logic.azure.com/workflows/x?sig=abc',
      storage: { kind: 'connection-string', connectionString: 'UseDevelopmentStorage=true' },
      approval: {},
    } as never);
    expect(secrets).toEqual([
      'https://prod-1.westeurope.logic.azure.com/workflows/x?sig=abc',
      'UseDevelopmentStorage=true',
    ]);
  });
});
