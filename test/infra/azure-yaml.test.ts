/**
 * azure.yaml is valid YAML (for the subset it uses) naming infra/ and the function app service, and what it names
 * exists: the Bicep module, the service tag on the function app, the build output, the postdeploy hook scripts.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { INFRA_DIR, REPO_ROOT, readJson, readText } from './bicep-reader';

type YamlValue = string | YamlMap;
interface YamlMap {
  [key: string]: YamlValue;
}

/**
 * A strict reader for block-style YAML maps with plain or quoted scalars (what azure.yaml uses). Anything outside
 * that subset — tabs, sequences, flow collections, block scalars, duplicate keys, bad indentation — is an error, so
 * a malformed file fails the test instead of being half-read.
 */
export function parseYamlMaps(text: string): YamlMap {
  const root: YamlMap = {};
  const stack: Array<{ indent: number; map: YamlMap }> = [{ indent: -1, map: root }];
  let pendingKey: { key: string; parent: YamlMap; indent: number } | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const where = `line ${i + 1}`;
    if (/\t/.test(raw.match(/^\s*/)![0])) throw new Error(`${where}: tab indentation`);
    const withoutComment = raw.replace(/(^|\s)#.*$/, '');
    if (withoutComment.trim() === '') return;
    const indent = withoutComment.length - withoutComment.trimStart().length;
    const content = withoutComment.trim();
    if (pendingKey) {
      if (indent <= pendingKey.indent) throw new Error(`${where}: key '${pendingKey.key}' has no value`);
      const child: YamlMap = {};
      pendingKey.parent[pendingKey.key] = child;
      stack.push({ indent, map: child });
      pendingKey = undefined;
    }
    while (stack.length > 1 && indent < stack[stack.length - 1]!.indent) stack.pop();
    const top = stack[stack.length - 1]!;
    if (indent !== top.indent && !(stack.length === 1 && indent === 0)) throw new Error(`${where}: bad indentation`);
    const m = /^([A-Za-z_][\w.-]*):(?:\s+(.*))?$/.exec(content);
    if (!m) throw new Error(`${where}: not a 'key: value' line: ${content}`);
    const key = m[1]!;
    if (key in top.map) throw new Error(`${where}: duplicate key '${key}'`);
    const value = m[2]?.trim();
    if (value === undefined || value === '') {
      pendingKey = { key, parent: top.map, indent };
      return;
    }
    if (/^[[{|>&*!]/.test(value)) throw new Error(`${where}: unsupported YAML construct: ${value}`);
    const quoted = /^'(.*)'$/.exec(value) ?? /^"(.*)"$/.exec(value);
    top.map[key] = quoted ? quoted[1]! : value;
    if (stack.length === 1) stack[0]!.indent = -1;
  });
  if (pendingKey) throw new Error(`key '${pendingKey.key}' has no value`);
  return root;
}

const get = (m: YamlValue | undefined, path: string): YamlValue | undefined =>
  path
    .split('.')
    .reduce<YamlValue | undefined>((cur, k) => (cur !== undefined && typeof cur === 'object' ? cur[k] : undefined), m);

describe('the tiny YAML reader', () => {
  it('reads nested maps and scalars and rejects what it does not understand', () => {
    expect(parseYamlMaps("a: 1\nb:\n  c: 'x y' # note\n  d:\n    e: f\ng: h\n")).toEqual({
      a: '1',
      b: { c: 'x y', d: { e: 'f' } },
      g: 'h',
    });
    expect(() => parseYamlMaps('a:\n  b: 1\n   c: 2\n')).toThrow(/indentation/);
    expect(() => parseYamlMaps('a: 1\na: 2\n')).toThrow(/duplicate/);
    expect(() => parseYamlMaps('a:\n  - b\n')).toThrow(/not a 'key: value'/);
    expect(() => parseYamlMaps('a:\n')).toThrow(/no value/);
    expect(() => parseYamlMaps('a:\n\tb: 1\n')).toThrow(/tab/);
  });
});

describe('azure.yaml', () => {
  const yaml = parseYamlMaps(readText(join(REPO_ROOT, 'azure.yaml')));

  it('names the project and points azd at infra/main.bicep', () => {
    expect(get(yaml, 'name')).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
    expect(get(yaml, 'infra.provider')).toBe('bicep');
    expect(get(yaml, 'infra.path')).toBe('infra');
    expect(get(yaml, 'infra.module')).toBe('main');
    expect(existsSync(join(REPO_ROOT, 'infra', 'main.bicep'))).toBe(true);
    expect(existsSync(join(REPO_ROOT, 'infra', 'main.parameters.json'))).toBe(true);
  });

  it('deploys the remediator as a TypeScript function app from the bundled dist/ folder', () => {
    const services = get(yaml, 'services') as YamlMap;
    expect(Object.keys(services)).toEqual(['remediator']);
    expect(get(yaml, 'services.remediator.host')).toBe('function');
    expect(get(yaml, 'services.remediator.language')).toBe('ts');
    expect(get(yaml, 'services.remediator.project')).toBe('.');
    expect(get(yaml, 'services.remediator.dist')).toBe('dist');
    expect(get(yaml, 'services.remediator.remoteBuild')).toBe('false');
    // azd finds the function app by this tag
    expect(readText(join(INFRA_DIR, 'modules', 'app.bicep'))).toMatch(/'azd-service-name': 'remediator'/);
    // and builds it with `npm run build` (scripts/build.mjs writes dist/)
    const pkg = readJson<{ scripts: Record<string, string> }>(join(REPO_ROOT, 'package.json'));
    expect(pkg.scripts['build']).toMatch(/scripts\/build\.mjs/);
  });

  it('wires events after the code is deployed, with hook scripts that exist', () => {
    const posix = get(yaml, 'hooks.postdeploy.posix.run') as string;
    const windows = get(yaml, 'hooks.postdeploy.windows.run') as string;
    for (const script of [posix, windows]) expect(existsSync(join(REPO_ROOT, script))).toBe(true);
    expect(() => accessSync(join(REPO_ROOT, posix), constants.X_OK)).not.toThrow();
    const sh = readText(join(REPO_ROOT, posix));
    expect(sh).toMatch(/azd env set DEPLOY_EVENT_WIRING true/);
    expect(sh).toMatch(/azd provision --no-prompt/);
    // the variable the hook sets is the one main.parameters.json maps to deployEventWiring
    const params = readJson<{ parameters: Record<string, { value: string }> }>(join(INFRA_DIR, 'main.parameters.json'));
    expect(params.parameters['deployEventWiring']?.value).toBe('${DEPLOY_EVENT_WIRING=false}');
  });
});
