/**
 * The deployed app can reach what the template creates, the way the code looks for it:
 * - the heal-check queue: the queue scheduler derives the queue URL from REMEDIATOR_STORAGE_ACCOUNT_URL, and the
 *   storage-queue trigger (if registered) uses a connection the template configures;
 * - role assignments the remediator creates carry a description marker that the rollback steps in infra/README.md
 *   use, and that the template's own assignments do not carry (so the cleanup never removes the remediator's rights).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS, loadConfig } from '../../src/config';
import { toQueueServiceUrl } from '../../src/adapters/queue-scheduler';
import {
  INFRA_DIR,
  REPO_ROOT,
  evaluate,
  evaluateModuleContext,
  findResources,
  loadCompiledTemplate,
  readJson,
  readText,
} from './arm';

// main.bicep as deployed, with its resource token (a hash of the subscription id) given a value
const appCtx = evaluateModuleContext(
  {
    template: loadCompiledTemplate('main'),
    parameters: { environmentName: 'prod', location: 'westeurope' },
    variables: { resourceToken: 'abc123' },
  },
  'remediator-app',
);
const remediatorSettings = appCtx.parameters!['remediatorAppSettings'] as Record<string, unknown>;
const [appSettingsResource] = findResources(appCtx.template, 'Microsoft.Web/sites/config');
const appSettings = evaluate(appSettingsResource!.properties, appCtx) as Record<string, unknown>;

const functionsDir = join(REPO_ROOT, 'src', 'functions');
const functionSources = existsSync(functionsDir)
  ? readdirSync(functionsDir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readText(join(functionsDir, f)))
      .join('\n')
  : '';
// the options object of app.storageQueue('…', { queueName, connection, handler }) (up to the handler)
const queueTrigger = /app\.storageQueue\(\s*'[^']+'\s*,\s*\{([\s\S]*?)handler\s*:/.exec(functionSources);

describe('heal-check queue', () => {
  it('the queue scheduler finds the queue at the account the template points REMEDIATOR_STORAGE_ACCOUNT_URL to', () => {
    // the template's value, in the public cloud
    const url = String(remediatorSettings['REMEDIATOR_STORAGE_ACCOUNT_URL']);
    expect(url).toBe('https://stabc123.table.core.windows.net');
    const config = loadConfig({ REMEDIATOR_STORAGE_ACCOUNT_URL: url });
    expect(config.storage).toEqual({ kind: 'account-url', accountUrl: url });
    // the queue created in the same account
    expect(toQueueServiceUrl(url)).toBe('https://stabc123.queue.core.windows.net');
    const queues = findResources(appCtx.template, 'Microsoft.Storage/storageAccounts/queueServices/queues');
    expect(queues.map((q) => evaluate(q.name, appCtx))).toEqual([
      `stabc123/default/${String(remediatorSettings['REMEDIATOR_HEAL_QUEUE'])}`,
    ]);
  });

  (queueTrigger ? it : it.skip)(
    'the storage-queue trigger uses the heal queue setting and a connection the template configures',
    () => {
      const options = queueTrigger![1]!;
      // the queue name comes from the REMEDIATOR_HEAL_QUEUE app setting: a %binding expression% or process.env with
      // the SETTINGS default as fallback
      const healQueueDefault = SETTINGS.find((s) => s.name === 'REMEDIATOR_HEAL_QUEUE')!.default;
      const byExpression = /queueName:\s*'%REMEDIATOR_HEAL_QUEUE%'/.test(options);
      const byEnv = new RegExp(
        `queueName:\\s*process\\.env\\[?['.]?REMEDIATOR_HEAL_QUEUE'?\\]?[^,]*\\|\\|\\s*'${healQueueDefault}'`,
      ).test(options);
      expect({ options, ok: byExpression || byEnv }).toEqual({ options, ok: true });
      const connection = /connection:\s*'([^']+)'/.exec(options)?.[1] ?? 'AzureWebJobsStorage';
      // identity-based connection: <prefix>__accountName (or __queueServiceUri) + credential + clientId
      const prefix = `${connection}__`;
      const keys = Object.keys(appSettings).filter((k) => k.startsWith(prefix));
      expect(keys.some((k) => k === `${prefix}accountName` || k === `${prefix}queueServiceUri`)).toBe(true);
      expect(keys).toEqual(expect.arrayContaining([`${prefix}credential`, `${prefix}clientId`]));
    },
  );
});

describe('role assignment description marker', () => {
  const executorPath = join(REPO_ROOT, 'src', 'remediate', 'fixes', 'assign-role.ts');
  const marker = 'acr-remediator: ';

  (existsSync(executorPath) ? it : it.skip)(
    'the assign-role fix marks the assignments it creates, as infra/README.md documents',
    () => {
      expect(readText(executorPath)).toMatch(/description:\s*`acr-remediator: /);
      const readme = readText(join(INFRA_DIR, 'README.md'));
      expect(readme).toContain(`starts_with(description, '${marker}')`);
    },
  );

  it("the template's own assignments do not carry the remediator's marker", () => {
    const rbac = readJson<{ assignmentDescription: string }>(join(INFRA_DIR, 'rbac.json'));
    expect(rbac.assignmentDescription.startsWith(marker)).toBe(false);
    expect(rbac.assignmentDescription).toMatch(/^acr-remediator/); // still recognisable
  });
});
