/**
 * azure.yaml (read with the `yaml` library, strictly: a duplicate key or any YAML error fails) names infra/ and the
 * function app service, and what it names exists: the Bicep module, the service tag on the compiled function app,
 * the build output, the postdeploy hook scripts.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { INFRA_DIR, REPO_ROOT, evaluate, findResources, loadCompiledTemplate, readJson, readText } from './arm';

/** The YAML document as plain data; throws on any error or warning (duplicate keys included). */
function parseYamlStrictly(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, strict: true, prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) throw new Error(problems.map((e) => e.message).join('\n'));
  return doc.toJS() as unknown;
}

const get = (value: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (cur, k) => (cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined),
      value,
    );

describe('the strict YAML reading', () => {
  it('reads nested maps and rejects duplicate keys and malformed YAML', () => {
    expect(parseYamlStrictly("a: 1\nb:\n  c: 'x y' # note\n  d: [e]\n")).toEqual({ a: 1, b: { c: 'x y', d: ['e'] } });
    expect(() => parseYamlStrictly('a: 1\na: 2\n')).toThrow(/unique|duplicate/i);
    expect(() => parseYamlStrictly('a:\n  b: 1\n   c: 2\n')).toThrow();
    expect(() => parseYamlStrictly('a: [1, 2\n')).toThrow();
  });
});

describe('azure.yaml', () => {
  const yaml = parseYamlStrictly(readText(join(REPO_ROOT, 'azure.yaml')));

  it('names the project and points azd at infra/main.bicep', () => {
    expect(get(yaml, 'name')).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
    expect(get(yaml, 'infra.provider')).toBe('bicep');
    expect(get(yaml, 'infra.path')).toBe('infra');
    expect(get(yaml, 'infra.module')).toBe('main');
    expect(existsSync(join(REPO_ROOT, 'infra', 'main.bicep'))).toBe(true);
    expect(existsSync(join(REPO_ROOT, 'infra', 'main.parameters.json'))).toBe(true);
  });

  it('deploys the remediator as a TypeScript function app from the bundled dist/ folder', () => {
    const services = get(yaml, 'services') as Record<string, unknown>;
    expect(Object.keys(services)).toEqual(['remediator']);
    expect(get(yaml, 'services.remediator.host')).toBe('function');
    expect(get(yaml, 'services.remediator.language')).toBe('ts');
    expect(get(yaml, 'services.remediator.project')).toBe('.');
    expect(get(yaml, 'services.remediator.dist')).toBe('dist');
    expect(get(yaml, 'services.remediator.remoteBuild')).toBe(false);
    // azd finds the function app by this tag
    const app = loadCompiledTemplate('modules/app');
    const [site] = findResources(app, 'Microsoft.Web/sites');
    const tags = evaluate(site!.tags, { template: app, parameters: { tags: {} } });
    expect(tags).toEqual({ 'azd-service-name': 'remediator' });
    // and builds it with `npm run build` (scripts/build.mjs writes dist/)
    const pkg = readJson<{ scripts: Record<string, string> }>(join(REPO_ROOT, 'package.json'));
    expect(pkg.scripts['build']).toMatch(/scripts\/build\.mjs/);
  });

  it('wires events after the code is deployed, with hook scripts that exist', () => {
    const posix = String(get(yaml, 'hooks.postdeploy.posix.run'));
    const windows = String(get(yaml, 'hooks.postdeploy.windows.run'));
    expect(get(yaml, 'hooks.postdeploy.posix.continueOnError')).toBe(false);
    for (const script of [posix, windows]) expect(existsSync(join(REPO_ROOT, script))).toBe(true);
    expect(() => accessSync(join(REPO_ROOT, posix), constants.X_OK)).not.toThrow();
    const sh = readText(join(REPO_ROOT, 'infra', 'hooks', 'wire-events.sh'));
    expect(readText(join(REPO_ROOT, posix))).toMatch(/wire-events\.sh"\n/);
    expect(readText(join(REPO_ROOT, windows))).toMatch(/wire-events\.ps1"\n/);
    expect(sh).toMatch(/azd env set DEPLOY_EVENT_WIRING true/);
    expect(sh).toMatch(/azd provision --no-prompt/);
    // the variable the hook sets is the one main.parameters.json maps to deployEventWiring
    const params = readJson<{ parameters: Record<string, { value: string }> }>(join(INFRA_DIR, 'main.parameters.json'));
    expect(params.parameters['deployEventWiring']?.value).toBe('${DEPLOY_EVENT_WIRING=false}');
  });
});
