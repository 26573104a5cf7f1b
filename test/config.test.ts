/**
 * loadConfig: defaults, every problem reported at once, secrets never echoed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, SETTINGS } from '../src/config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      mode: 'dry-run',
      allowedFixTypes: ['assign-role', 'redeploy-revision'],
      allowedScopes: [],
      fixBudgetPerHour: 20,
      optOutTag: 'remediator:disable',
      propagationWindowMs: 10 * 60_000,
      activityLogWaitMs: 15 * 60_000,
      healCheckDelayMs: 60_000,
      healCheckAttempts: 5,
      maxPayloadBytes: 1_048_576,
      storage: { kind: 'memory' },
      armEndpoint: 'https://management.azure.com',
      logLevel: 'info',
    });
    expect(c.teamsWebhookUrl).toBeUndefined();
    expect(c.slackWebhookUrl).toBeUndefined();
    expect(c.allowedFixTypes).not.toContain('enable-arm-token-auth');
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('every SETTINGS default is itself valid (blank values mean the default)', () => {
    const env = Object.fromEntries(SETTINGS.map((s) => [s.name, s.default]));
    expect(() => loadConfig(env)).not.toThrow();
    const blank = Object.fromEntries(SETTINGS.map((s) => [s.name, '   ']));
    expect(loadConfig(blank)).toEqual(loadConfig({}));
  });

  it('reads valid values and normalises scopes', () => {
    const c = loadConfig({
      REMEDIATOR_MODE: 'auto-fix',
      REMEDIATOR_ALLOWED_FIX_TYPES: 'assign-role, enable-arm-token-auth',
      REMEDIATOR_ALLOWED_SCOPES: '/subscriptions/0B1C/resourceGroups/Web-RG/, /subscriptions/abc',
      REMEDIATOR_MAX_PAYLOAD_BYTES: '2048',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      ARM_ENDPOINT: 'https://127.0.0.1:8443/',
    });
    expect(c.mode).toBe('auto-fix');
    expect(c.allowedFixTypes).toEqual(['assign-role', 'enable-arm-token-auth']);
    expect(c.allowedScopes).toEqual(['/subscriptions/0b1c/resourcegroups/web-rg', '/subscriptions/abc']);
    expect(c.maxPayloadBytes).toBe(2048);
    expect(c.storage).toEqual({ kind: 'connection-string', connectionString: 'UseDevelopmentStorage=true' });
    expect(c.armEndpoint).toBe('https://127.0.0.1:8443');
  });

  it('reports every invalid value at once, naming each setting', () => {
    const problems = problemsOf({
      REMEDIATOR_MODE: 'yolo',
      REMEDIATOR_FIX_BUDGET_PER_HOUR: 'lots',
      REMEDIATOR_PROPAGATION_WINDOW_MINUTES: '-3',
      REMEDIATOR_ALLOWED_SCOPES: 'web-rg',
      ARM_ENDPOINT: 'http://management.azure.com',
      LOG_LEVEL: 'chatty',
      REMEDIATOR_HEAL_QUEUE: 'Bad_Queue',
    });
    const named = (name: string): boolean => problems.some((p) => p.startsWith(`${name}:`));
    for (const name of [
      'REMEDIATOR_MODE',
      'REMEDIATOR_FIX_BUDGET_PER_HOUR',
      'REMEDIATOR_PROPAGATION_WINDOW_MINUTES',
      'REMEDIATOR_ALLOWED_SCOPES',
      'ARM_ENDPOINT',
      'LOG_LEVEL',
      'REMEDIATOR_HEAL_QUEUE',
    ]) {
      expect({ name, found: named(name) }).toEqual({ name, found: true });
    }
    expect(problems.length).toBeGreaterThanOrEqual(7);
  });

  it('never echoes a secret value in a problem or the error message', () => {
    const teams = 'http://prod-42.westeurope.logic.azure.com/workflows/abc?sig=TopSecretSig123';
    const slack = 'hooks.slack.com/services/T000/B000/SlackSecretXyz';
    let caught: unknown;
    try {
      loadConfig({ TEAMS_WEBHOOK_URL: teams, SLACK_WEBHOOK_URL: slack, REMEDIATOR_MODE: 'nope' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const e = caught as ConfigError;
    const all = `${e.message}\n${e.problems.join('\n')}\n${String(e.stack)}`;
    expect(all).not.toContain('TopSecretSig123');
    expect(all).not.toContain('SlackSecretXyz');
    expect(e.problems.find((p) => p.startsWith('TEAMS_WEBHOOK_URL:'))).toContain('(value hidden)');
    expect(e.problems.find((p) => p.startsWith('SLACK_WEBHOOK_URL:'))).toContain('(value hidden)');
    // Non-secret values are shown to help the operator.
    expect(e.problems.find((p) => p.startsWith('REMEDIATOR_MODE:'))).toContain('"nope"');
  });

  it('marks every webhook URL and connection string setting as secret', () => {
    const secret = SETTINGS.filter((s) => s.secret).map((s) => s.name);
    expect(secret).toEqual(
      expect.arrayContaining(['TEAMS_WEBHOOK_URL', 'SLACK_WEBHOOK_URL', 'REMEDIATOR_STORAGE_CONNECTION']),
    );
  });
});

describe('local.settings.sample.json and host.json', () => {
  const read = (p: string): Record<string, unknown> =>
    JSON.parse(readFileSync(join(__dirname, '..', p), 'utf8')) as Record<string, unknown>;

  it('lists every setting with its default, plus the Functions host settings', () => {
    const values = read('local.settings.sample.json')['Values'] as Record<string, string>;
    for (const s of SETTINGS)
      expect({ name: s.name, value: values[s.name] }).toEqual({ name: s.name, value: s.default });
    expect(values['FUNCTIONS_WORKER_RUNTIME']).toBe('node');
    expect(values['AzureWebJobsStorage']).toBe('UseDevelopmentStorage=true');
    // platform settings the app also reads: the Functions host's, and Application Insights' (telemetry on when set)
    const known = new Set([
      ...SETTINGS.map((s) => s.name),
      'FUNCTIONS_WORKER_RUNTIME',
      'AzureWebJobsStorage',
      'APPLICATIONINSIGHTS_CONNECTION_STRING',
    ]);
    expect(values['APPLICATIONINSIGHTS_CONNECTION_STRING']).toBe('');
    expect(Object.keys(values).filter((k) => !known.has(k))).toEqual([]);
  });

  it('host.json: version 2.0 and the v4 extension bundle', () => {
    expect(read('host.json')).toMatchObject({
      version: '2.0',
      extensionBundle: { id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' },
    });
  });
});
