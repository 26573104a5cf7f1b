/**
 * Every app setting the remediator reads (SETTINGS in src/config.ts) is set by the compiled template with the same
 * default, and every app setting the template sets is either in SETTINGS or a documented platform setting.
 * REMEDIATOR_MODE defaults to dry-run. Webhook URLs are Key Vault references; storage is identity-based.
 * The settings are the ones ARM would write: main.bicep's values evaluated for given parameters, passed to the app
 * module and merged with its platform settings.
 */
import { join } from 'node:path';
import { SETTINGS, loadConfig } from '../../src/config';
import {
  INFRA_DIR,
  REPO_ROOT,
  Unresolved,
  type EvaluationContext,
  evaluate,
  evaluateModuleContext,
  findResources,
  loadCompiledTemplate,
  readJson,
  readText,
} from './arm';

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
const main = loadCompiledTemplate('main');
const settingNames = SETTINGS.map((s) => s.name);
// resourceToken hashes the subscription id (uniqueString): give it a value so the names built from it evaluate
const TOKEN = 'abc123';

function mainContext(parameters: Record<string, unknown> = {}): EvaluationContext {
  return {
    template: main,
    parameters: { environmentName: 'prod', location: 'westeurope', ...parameters },
    variables: { resourceToken: TOKEN },
  };
}

/** The app module as main deploys it with these parameters. */
const appContext = (parameters: Record<string, unknown> = {}): EvaluationContext =>
  evaluateModuleContext(mainContext(parameters), 'remediator-app');

/** The remediator's settings main.bicep passes to the app module. */
const remediatorSettings = (parameters: Record<string, unknown> = {}): Record<string, unknown> =>
  appContext(parameters).parameters!['remediatorAppSettings'] as Record<string, unknown>;

/** Everything the Microsoft.Web/sites/config 'appsettings' resource writes. */
function deployedAppSettings(parameters: Record<string, unknown> = {}): Record<string, unknown> {
  const ctx = appContext(parameters);
  const [config] = findResources(ctx.template, 'Microsoft.Web/sites/config');
  expect(evaluate(config!.name, ctx)).toBe(`func-remediator-${TOKEN}/appsettings`);
  return evaluate(config!.properties, ctx) as Record<string, unknown>;
}

/** A parameter value as the setting carries it (ints as their decimal text). */
const asSetting = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** A value of the parameter's type that differs from its default, to see it arrive in the setting. */
function otherValue(param: string): unknown {
  const def = main.parameters[param]!;
  if (def.allowedValues) return def.allowedValues.find((v) => v !== def.defaultValue);
  if (def.type === 'int') return Number(def.defaultValue) + 7;
  return `${String(def.defaultValue)}-other`;
}

describe('app settings: SETTINGS ↔ template', () => {
  it('the template sets every SETTINGS entry, and no other remediator setting', () => {
    expect(Object.keys(remediatorSettings()).sort()).toEqual([...settingNames].sort());
    expect(Object.keys(facts.settings).sort()).toEqual([...settingNames].sort());
  });

  it('every other app setting is a documented platform setting', () => {
    const deployed = deployedAppSettings();
    const platform = Object.keys(deployed).filter((name) => !settingNames.includes(name));
    expect(platform.sort()).toEqual(Object.keys(facts.platformSettings).sort());
    for (const name of platform) {
      expect(name).toMatch(
        /^(AzureWebJobsStorage__\w+|APPLICATIONINSIGHTS_[A-Z_]+|FUNCTIONS_[A-Z_]+|WEBSITE_[A-Z_]+)$/,
      );
    }
    // both sets, and only them, go to the site: the remediator's exactly as main.bicep made them
    expect(Object.keys(deployed).length).toBe(platform.length + settingNames.length);
    for (const name of settingNames) expect(String(deployed[name])).toBe(String(remediatorSettings()[name]));
  });

  it.each(SETTINGS.map((s) => [s.name, s]))('%s is set as app-settings.json says', (name, spec) => {
    const fact = facts.settings[name]!;
    const value = remediatorSettings()[name];
    switch (fact.source) {
      case 'parameter': {
        const p = main.parameters[fact.param];
        expect(p).toBeDefined();
        expect(p!.type).not.toBe('securestring');
        // same default as the code, and the setting is that parameter
        expect(asSetting(p!.defaultValue)).toBe(spec.default);
        expect(value).toBe(spec.default);
        const other = otherValue(fact.param);
        expect(remediatorSettings({ [fact.param]: other })[name]).toBe(asSetting(other));
        // the description names the setting it feeds
        expect(p!.metadata?.description).toContain(name);
        break;
      }
      case 'keyVaultReference': {
        const p = main.parameters[fact.param];
        expect(p?.type).toBe('securestring');
        expect(p?.defaultValue).toBe('');
        expect(value).toBe(''); // unset stays unset
        expect(remediatorSettings({ [fact.param]: 'https://hooks.example/x' })[name]).toBe(
          `@Microsoft.KeyVault(SecretUri=https://kv-${TOKEN}.vault.azure.net/secrets/${fact.secretName}/)`,
        );
        expect(spec.secret).toBe(true);
        break;
      }
      case 'derived':
        expect(fact.why.length).toBeGreaterThan(10);
        // computed from the deployment (a resource, the cloud), not a parameter or a literal
        expect(value).toBeDefined();
        expect(Object.values(main.parameters).map((p) => p.defaultValue)).not.toContain(value);
        break;
      case 'fixed':
        expect(value).toBe(fact.value);
        break;
      default: {
        const never: never = fact;
        throw new Error(`unknown source ${JSON.stringify(never)}`);
      }
    }
  });

  it('the derived settings are the app’s own storage, the cloud’s ARM endpoint and the remediator identity', () => {
    const settings = remediatorSettings();
    expect(settings['REMEDIATOR_STORAGE_ACCOUNT_URL']).toBe(`https://st${TOKEN}.table.core.windows.net`);
    expect(settings['ARM_ENDPOINT']).toBe('https://management.azure.com/');
    expect(settings['AZURE_CLIENT_ID']).toBeInstanceOf(Unresolved);
    expect(String(settings['AZURE_CLIENT_ID'])).toMatch(
      /'remediator-identities'\), '[\d-]+'\)\.outputs\.remediatorClientId\.value>$/,
    );
  });

  it('REMEDIATOR_MODE defaults to dry-run and only allows dry-run | auto-fix | approve', () => {
    expect(main.parameters['remediatorMode']).toMatchObject({ type: 'string', defaultValue: 'dry-run' });
    expect([...(main.parameters['remediatorMode']!.allowedValues ?? [])].sort()).toEqual([
      'approve',
      'auto-fix',
      'dry-run',
    ]);
    expect(remediatorSettings()['REMEDIATOR_MODE']).toBe('dry-run');
    expect(remediatorSettings({ remediatorMode: 'auto-fix' })['REMEDIATOR_MODE']).toBe('auto-fix');
  });

  it('the template defaults make a valid configuration for loadConfig', () => {
    // The settings ARM would write with every default; the identity's client id is only known once deployed.
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(remediatorSettings())) {
      env[name] = value instanceof Unresolved ? '00000000-0000-0000-0000-000000000001' : String(value);
    }
    const config = loadConfig(env);
    expect(config.mode).toBe('dry-run');
    expect(config.storage).toEqual({ kind: 'account-url', accountUrl: `https://st${TOKEN}.table.core.windows.net` });
    expect(config.allowedFixTypes).not.toContain('enable-arm-token-auth');
  });

  it('storage is identity-based: no keys, no connection strings', () => {
    const ctx = appContext();
    const [storage] = findResources(ctx.template, 'Microsoft.Storage/storageAccounts');
    expect(storage!.properties).toMatchObject({ allowSharedKeyAccess: false, allowBlobPublicAccess: false });
    expect(JSON.stringify(ctx.template)).not.toMatch(/listKeys\(|AccountKey=/);
    const deployed = deployedAppSettings();
    expect(deployed['AzureWebJobsStorage__credential']).toBe('managedidentity');
    expect(deployed['AzureWebJobsStorage__accountName']).toBe(`st${TOKEN}`);
    expect(String(deployed['AzureWebJobsStorage__clientId'])).toBe(
      "<reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('remediatorIdentityName')), '2023-01-31').clientId>",
    );
    expect(deployed['REMEDIATOR_STORAGE_CONNECTION']).toBe('');
  });

  it('the tables and the queue the settings name are created by the template', () => {
    const ctx = appContext();
    const settings = remediatorSettings();
    const namesOf = (type: string): unknown[] => findResources(ctx.template, type).map((r) => evaluate(r.name, ctx));
    expect(namesOf('Microsoft.Storage/storageAccounts/tableServices/tables').sort()).toEqual(
      [
        `st${TOKEN}/default/${String(settings['REMEDIATOR_AUDIT_TABLE'])}`,
        `st${TOKEN}/default/${String(settings['REMEDIATOR_CLAIMS_TABLE'])}`,
      ].sort(),
    );
    expect(namesOf('Microsoft.Storage/storageAccounts/queueServices/queues')).toEqual([
      `st${TOKEN}/default/${String(settings['REMEDIATOR_HEAL_QUEUE'])}`,
    ]);
  });

  it('the function app is Flex Consumption, Node 22, Linux, with a user-assigned identity resolving Key Vault references', () => {
    const ctx = appContext();
    const [site] = findResources(ctx.template, 'Microsoft.Web/sites');
    expect(site!.kind).toBe('functionapp,linux');
    const props = evaluate(site!.properties, ctx) as {
      keyVaultReferenceIdentity: unknown;
      functionAppConfig: {
        runtime: unknown;
        deployment: { storage: { type: string } };
        scaleAndConcurrency: unknown;
      };
    };
    expect(props.functionAppConfig.runtime).toEqual({ name: 'node', version: '22' });
    expect(props.functionAppConfig.deployment.storage.type).toBe('blobContainer');
    expect(props.functionAppConfig.scaleAndConcurrency).toEqual({ maximumInstanceCount: 40, instanceMemoryMB: 2048 });
    expect(String(props.keyVaultReferenceIdentity)).toBe(
      "<resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('remediatorIdentityName'))>",
    );
    expect(evaluate(site!.tags, ctx)).toEqual({ 'azd-env-name': 'prod', 'azd-service-name': 'remediator' });
    const [plan] = findResources(ctx.template, 'Microsoft.Web/serverfarms');
    expect(plan!.sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
    const [vault] = findResources(ctx.template, 'Microsoft.KeyVault/vaults');
    expect(vault!.properties?.['enableRbacAuthorization']).toBe(true);
    // the Node the app runs on is the one package.json targets and the bundle is built for
    const pkg = readJson<{ engines: { node: string } }>(join(REPO_ROOT, 'package.json'));
    expect(pkg.engines.node).toBe('>=22.0.0');
    expect(readText(join(REPO_ROOT, 'scripts', 'build.mjs'))).toMatch(/target: 'node22'/);
  });
});
