/**
 * What the Bicep compiler made of infra/: every template compiled (npm run infra:check also lints them and fails on
 * any warning), main.bicep deploys at subscription scope through the modules as they compile on their own, the
 * webhook URLs stay secure, and infra/README.md documents every parameter the compiled template takes.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  ARM_DIR,
  INFRA_DIR,
  type ArmTemplate,
  findModule,
  listFilesRecursively,
  loadCompiledTemplate,
  readJson,
  readText,
} from './arm';

const bicepFiles = listFilesRecursively(INFRA_DIR).filter((f) => f.endsWith('.bicep'));
const main = loadCompiledTemplate('main');

/** A template without the compiler's per-file metadata (generator version, template hash). */
const withoutMetadata = (t: ArmTemplate): unknown => ({ ...t, metadata: undefined });

/** Every string anywhere in a JSON value. */
function collectStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(collectStrings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(collectStrings);
  return [];
}

describe('compiled templates', () => {
  it('every .bicep under infra/ compiled to ARM JSON with the pinned Bicep', () => {
    expect(bicepFiles.length).toBeGreaterThanOrEqual(8);
    for (const file of bicepFiles) {
      const name = relative(INFRA_DIR, file).replace(/\.bicep$/, '');
      expect({ name, compiled: existsSync(join(ARM_DIR, `${name}.json`)) }).toEqual({ name, compiled: true });
      const t = loadCompiledTemplate(name);
      expect(t.$schema).toMatch(/[dD]eploymentTemplate\.json#$/);
    }
    const stamp = readJson<{ templates: number; bicepVersion: string }>(join(ARM_DIR, 'stamp.json'));
    expect(stamp.templates).toBe(bicepFiles.length);
    expect(stamp.bicepVersion).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('main.bicep deploys at subscription scope', () => {
    expect(main.$schema).toBe(
      'https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#',
    );
    const rg = main.resources.filter((r) => r.type === 'Microsoft.Resources/resourceGroups');
    expect(rg.length).toBe(1);
  });

  it.each([
    ['remediator-identities', 'modules/identities'],
    ['remediator-app', 'modules/app'],
    ['remediator-event-wiring', 'modules/event-wiring'],
    ['assignmentsAtSubscription', 'modules/role-assignment-subscription'],
    ['assignmentsAtResourceGroup', 'modules/role-assignment-resource-group'],
    ['assignmentsAtRegistry', 'modules/role-assignment-registry'],
    ['assignmentsAtContainerApp', 'modules/role-assignment-container-app'],
  ])('main.bicep deploys %s as %s compiles on its own, passing every parameter it requires', (deployment, module) => {
    const nested = findModule(main, deployment);
    const standalone = loadCompiledTemplate(module);
    expect(withoutMetadata(nested.properties.template)).toEqual(withoutMetadata(standalone));
    expect(nested.properties).toMatchObject({ expressionEvaluationOptions: { scope: 'inner' }, mode: 'Incremental' });
    const passed = Object.keys(nested.properties.parameters ?? {});
    const required = Object.entries(standalone.parameters)
      .filter(([, p]) => !('defaultValue' in p))
      .map(([name]) => name);
    expect(passed).toEqual(expect.arrayContaining(required));
    for (const name of passed) expect(Object.keys(standalone.parameters)).toContain(name);
  });

  it('webhook URLs are secure parameters, passed on only as secure parameters, and never in an output', () => {
    for (const name of ['teamsWebhookUrl', 'slackWebhookUrl']) {
      expect(main.parameters[name]?.type).toBe('securestring');
      expect(loadCompiledTemplate('modules/app').parameters[name]?.type).toBe('securestring');
    }
    for (const file of bicepFiles) {
      const t = loadCompiledTemplate(relative(INFRA_DIR, file).replace(/\.bicep$/, ''));
      for (const [name, output] of Object.entries(t.outputs ?? {})) {
        expect(name).not.toMatch(/webhook/i);
        expect(collectStrings(output.value).join(' ')).not.toMatch(/webhookUrl|secrets/i);
      }
    }
  });
});

describe('infra/README.md', () => {
  const readme = readText(join(INFRA_DIR, 'README.md'));

  it('documents every parameter of main.bicep', () => {
    const undocumented = Object.keys(main.parameters).filter((name) => !readme.includes(`\`${name}\``));
    expect(undocumented).toEqual([]);
  });

  it('documents deployment, mode switching, the auth-as-arm opt-in and rollback', () => {
    expect(readme).toMatch(/azd up/);
    expect(readme).toMatch(/az deployment sub create/);
    expect(readme).toMatch(/az functionapp config appsettings set .*REMEDIATOR_MODE=auto-fix/);
    expect(readme).toMatch(/az functionapp config appsettings set .*REMEDIATOR_MODE=dry-run/);
    expect(readme).toMatch(/enableArmTokenAuthFix=true/);
    expect(readme).toMatch(/## Rolling back/);
    expect(readme).toMatch(/az group delete/);
    expect(readme).toMatch(/event-subscription delete/);
  });

  it('says how the templates are checked', () => {
    expect(readme).toMatch(/npm run infra:check/);
  });
});
