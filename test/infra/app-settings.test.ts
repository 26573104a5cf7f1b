/**
 * Every app setting the remediator reads (SETTINGS in src/config.ts) is set by the template with the same default,
 * and every app setting the template sets is either in SETTINGS or a documented platform setting. REMEDIATOR_MODE
 * defaults to dry-run. Webhook URLs are Key Vault references; storage is identity-based.
 */
import { join } from 'node:path';
import { SETTINGS, loadConfig } from '../../src/config';
import {
  INFRA_DIR,
  readBlockEntries,
  readBlockObject,
  readBlocks,
  readJson,
  readObjectVar,
  readParams,
  readText,
} from './bicep-reader';

type SettingFact =
  | { source: 'parameter'; param: string }
  | { source: 'keyVaultReference'; param: string; secretName: string }
  | { source: 'derived'; why: string }
  | { source: 'fixed'; value: string; why: string };
interface AppSettingFacts {
  settings: Record<string, SettingFact>;
  platformSettings: Record<string, string>;
}

const facts = readJson<AppSettingFacts>(join(INFRA_DIR, 'app-settings.json'));
const mainText = readText(join(INFRA_DIR, 'main.bicep'));
const appText = readText(join(INFRA_DIR, 'modules', 'app.bicep'));
const mainParams = readParams(mainText);
const remediatorSettings = readObjectVar(mainText, 'remediatorAppSettings');
const platformSettings = readObjectVar(appText, 'platformAppSettings');
const settingNames = SETTINGS.map((s) => s.name);

/** A Bicep literal default as the string the setting will carry (`'x'` → x, `20` → 20). */
function renderDefault(defaultText: string): string {
  const quoted = /^'(.*)'$/s.exec(defaultText);
  return quoted ? quoted[1]!.replace(/\\'/g, "'") : defaultText;
}

describe('app settings: SETTINGS ↔ template', () => {
  it('the template sets every SETTINGS entry, and no other remediator setting', () => {
    expect([...remediatorSettings.keys()].sort()).toEqual([...settingNames].sort());
    expect(Object.keys(facts.settings).sort()).toEqual([...settingNames].sort());
  });

  it('every other app setting is a documented platform setting', () => {
    expect([...platformSettings.keys()].sort()).toEqual(Object.keys(facts.platformSettings).sort());
    for (const name of platformSettings.keys()) {
      expect(settingNames).not.toContain(name);
      expect(name).toMatch(
        /^(AzureWebJobsStorage__\w+|APPLICATIONINSIGHTS_[A-Z_]+|FUNCTIONS_[A-Z_]+|WEBSITE_[A-Z_]+)$/,
      );
    }
    // both sets (and only them) go to the site
    const settingsResource = readBlocks(appText).find((b) => b.target.startsWith('Microsoft.Web/sites/config@'));
    expect(settingsResource?.body).toMatch(/name: 'appsettings'/);
    expect(readBlockEntries(settingsResource!).get('properties')).toBe(
      'union(platformAppSettings, remediatorAppSettings)',
    );
    const appModule = readBlocks(mainText).find((b) => b.symbol === 'app');
    expect(readBlockObject(appModule!, 'params')?.get('remediatorAppSettings')).toBe('remediatorAppSettings');
  });

  it.each(SETTINGS.map((s) => [s.name, s]))('%s is set as app-settings.json says', (name, spec) => {
    const fact = facts.settings[name]!;
    const expr = remediatorSettings.get(name)!;
    switch (fact.source) {
      case 'parameter': {
        const p = mainParams.get(fact.param);
        expect(p).toBeDefined();
        expect(p!.decorators.join(' ')).not.toMatch(/@secure\(\)/);
        // same default as the code
        expect(renderDefault(p!.defaultText ?? '<required>')).toBe(spec.default);
        // and the setting is that parameter (ints rendered with string())
        expect(expr).toMatch(
          p!.type === 'int' ? new RegExp(`^string\\(${fact.param}\\)$`) : new RegExp(`^${fact.param}$`),
        );
        // the description names the setting it feeds
        expect(p!.decorators.join(' ')).toContain(name);
        break;
      }
      case 'keyVaultReference': {
        const p = mainParams.get(fact.param);
        expect(p?.decorators).toContain('@secure()');
        expect(p?.defaultText).toBe("''");
        expect(expr).toContain('@Microsoft.KeyVault(SecretUri=');
        expect(expr).toMatch(new RegExp(`^empty\\(${fact.param}\\) \\? '' : `)); // unset stays unset
        expect(spec.secret).toBe(true);
        break;
      }
      case 'derived':
        expect(fact.why.length).toBeGreaterThan(10);
        expect(expr.length).toBeGreaterThan(0);
        expect(expr).not.toMatch(/^'[^$]*'$/); // computed, not a plain literal
        break;
      case 'fixed':
        expect(renderDefault(expr)).toBe(fact.value);
        break;
      default: {
        const never: never = fact;
        throw new Error(`unknown source ${JSON.stringify(never)}`);
      }
    }
  });

  it('REMEDIATOR_MODE defaults to dry-run and only allows dry-run | auto-fix', () => {
    const p = mainParams.get('remediatorMode')!;
    expect(p.defaultText).toBe("'dry-run'");
    expect(p.decorators.join(' ')).toMatch(/@allowed\(\[\s*'dry-run',?\s*'auto-fix'\s*\]\)/);
    expect(remediatorSettings.get('REMEDIATOR_MODE')).toBe('remediatorMode');
  });

  it('the template defaults make a valid configuration for loadConfig', () => {
    // Evaluate the literal-default settings the way the template would set them, fill the derived ones with
    // values of the right shape, and let the real config loader judge.
    const env: Record<string, string> = {};
    for (const [name, fact] of Object.entries(facts.settings)) {
      if (fact.source === 'parameter') env[name] = renderDefault(mainParams.get(fact.param)!.defaultText!);
      else if (fact.source === 'fixed') env[name] = fact.value;
      else if (fact.source === 'keyVaultReference') env[name] = ''; // secret params default to ''
    }
    env['REMEDIATOR_STORAGE_ACCOUNT_URL'] = 'https://stabc.table.core.windows.net';
    env['ARM_ENDPOINT'] = 'https://management.azure.com/';
    env['AZURE_CLIENT_ID'] = '00000000-0000-0000-0000-000000000001';
    const config = loadConfig(env);
    expect(config.mode).toBe('dry-run');
    expect(config.storage).toEqual({ kind: 'account-url', accountUrl: 'https://stabc.table.core.windows.net' });
    expect(config.allowedFixTypes).not.toContain('enable-arm-token-auth');
  });

  it('storage is identity-based: no keys, no connection strings', () => {
    expect(appText).toMatch(/allowSharedKeyAccess: false/);
    expect(appText).not.toMatch(/listKeys\(\)|\.listKeys\(|AccountKey=/);
    expect(platformSettings.get('AzureWebJobsStorage__credential')).toBe("'managedidentity'");
    expect(platformSettings.get('AzureWebJobsStorage__accountName')).toBe('storage.name');
    expect(platformSettings.get('AzureWebJobsStorage__clientId')).toBe('remediatorIdentity.properties.clientId');
    expect(remediatorSettings.get('REMEDIATOR_STORAGE_ACCOUNT_URL')).toMatch(
      /^'https:\/\/\$\{storageAccountName\}\.table\./,
    );
    expect(remediatorSettings.get('AZURE_CLIENT_ID')).toBe('identities.outputs.remediatorClientId');
  });

  it('the tables and the queue the settings name are created by the template', () => {
    const blocks = readBlocks(appText);
    const nameOf = (type: string): string[] =>
      blocks.filter((b) => b.target.startsWith(type)).map((b) => readBlockEntries(b).get('name') ?? '<none>');
    expect(nameOf('Microsoft.Storage/storageAccounts/tableServices/tables@').sort()).toEqual([
      'auditTableName',
      'claimsTableName',
    ]);
    expect(nameOf('Microsoft.Storage/storageAccounts/queueServices/queues@')).toEqual(['healQueueName']);
    expect(remediatorSettings.get('REMEDIATOR_CLAIMS_TABLE')).toBe('claimsTableName');
    expect(remediatorSettings.get('REMEDIATOR_AUDIT_TABLE')).toBe('auditTableName');
    expect(remediatorSettings.get('REMEDIATOR_HEAL_QUEUE')).toBe('healQueueName');
  });

  it('the function app is Flex Consumption, Node 22, Linux, with a user-assigned identity resolving Key Vault references', () => {
    const site = readBlocks(appText).find((b) => b.target.startsWith('Microsoft.Web/sites@'))!;
    expect(site.body).toMatch(/kind: 'functionapp,linux'/);
    expect(site.body).toMatch(/runtime: \{\s*name: 'node'\s*version: '22'\s*\}/);
    expect(site.body).toMatch(/type: 'blobContainer'/);
    expect(site.body).toMatch(/scaleAndConcurrency: \{/);
    expect(site.body).toMatch(/keyVaultReferenceIdentity: remediatorIdentity\.id/);
    expect(site.body).toMatch(/'azd-service-name': 'remediator'/);
    const plan = readBlocks(appText).find((b) => b.target.startsWith('Microsoft.Web/serverfarms@'))!;
    expect(plan.body).toMatch(/name: 'FC1'\s*tier: 'FlexConsumption'/);
    const vault = readBlocks(appText).find((b) => b.target.startsWith('Microsoft.KeyVault/vaults@'))!;
    expect(vault.body).toMatch(/enableRbacAuthorization: true/);
  });
});
