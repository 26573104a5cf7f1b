/**
 * What a Bicep compiler would catch first, checked from the text: balanced brackets, module files that exist, module
 * calls passing exactly the params the module declares (every required one, no unknown one), loadJsonContent files
 * that exist and parse, JSON property paths that resolve, and azd's main.parameters.json agreeing with main.bicep.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  INFRA_DIR,
  findBracketProblems,
  listFilesRecursively,
  maskBicep,
  readBlockObject,
  readBlocks,
  readJson,
  readJsonBindings,
  readLoadJsonPaths,
  readParams,
  readText,
  resolveJsonPath,
} from './bicep-reader';

const bicepFiles = listFilesRecursively(INFRA_DIR).filter((f) => f.endsWith('.bicep'));
const mainBicep = join(INFRA_DIR, 'main.bicep');

describe('infra Bicep structure', () => {
  it('has a subscription-scoped main.bicep and its modules', () => {
    expect(bicepFiles).toContain(mainBicep);
    expect(readText(mainBicep)).toMatch(/^targetScope = 'subscription'$/m);
    expect(bicepFiles.length).toBeGreaterThanOrEqual(5);
  });

  it.each(bicepFiles.map((f) => [f.slice(INFRA_DIR.length + 1), f]))(
    '%s has balanced brackets, strings and comments',
    (_name, file) => {
      expect(findBracketProblems(readText(file))).toEqual([]);
    },
  );

  it.each(bicepFiles.map((f) => [f.slice(INFRA_DIR.length + 1), f]))(
    '%s calls modules with exactly their declared params',
    (_name, file) => {
      const modules = readBlocks(readText(file)).filter((b) => b.kind === 'module');
      for (const mod of modules) {
        const modulePath = resolve(dirname(file), mod.target);
        expect({ module: mod.symbol, exists: existsSync(modulePath) }).toEqual({ module: mod.symbol, exists: true });
        const declared = readParams(readText(modulePath));
        const passed = readBlockObject(mod, 'params') ?? new Map<string, string>();
        const unknown = [...passed.keys()].filter((k) => !declared.has(k));
        const missing = [...declared.values()]
          .filter((p) => p.defaultText === undefined && !passed.has(p.name))
          .map((p) => p.name);
        expect({ module: mod.symbol, unknown, missing }).toEqual({ module: mod.symbol, unknown: [], missing: [] });
      }
    },
  );

  it.each(bicepFiles.map((f) => [f.slice(INFRA_DIR.length + 1), f]))(
    '%s loads only JSON files that exist and parse',
    (_name, file) => {
      for (const p of readLoadJsonPaths(file)) {
        expect(existsSync(p)).toBe(true);
        expect(() => readJson(p)).not.toThrow();
      }
    },
  );

  it.each(bicepFiles.map((f) => [f.slice(INFRA_DIR.length + 1), f]))(
    '%s only reads JSON properties that exist',
    (_name, file) => {
      const bindings = readJsonBindings(file);
      const text = maskBicep(readText(file)); // comments and string text are not property reads
      for (const name of bindings.keys()) {
        const uses = [...text.matchAll(new RegExp(`\\b${name}(\\.[A-Za-z_][A-Za-z0-9_]*)+`, 'g'))].map((m) => m[0]);
        for (const use of uses) {
          expect({ use, found: resolveJsonPath(bindings, use) !== undefined }).toEqual({ use, found: true });
        }
      }
    },
  );

  it('main.parameters.json (azd) only sets declared params and keeps the safe defaults', () => {
    const declared = readParams(readText(mainBicep));
    const file = readJson<{ parameters: Record<string, { value: string }> }>(join(INFRA_DIR, 'main.parameters.json'));
    for (const [name, { value }] of Object.entries(file.parameters)) {
      expect({ name, declared: declared.has(name) }).toEqual({ name, declared: true });
      // "${VAR=default}": the azd default must equal the Bicep default (e.g. REMEDIATOR_MODE stays dry-run)
      const m = /^\$\{[A-Z_]+=(.*)\}$/.exec(value);
      const bicepDefault = declared.get(name)?.defaultText;
      if (m && bicepDefault !== undefined) {
        const normalised = bicepDefault.replace(/^'(.*)'$/, '$1');
        if (name === 'resourceGroupName') expect(m[1]).toBe('');
        else expect({ name, azd: m[1] }).toEqual({ name, azd: normalised });
      }
    }
    expect(file.parameters['remediatorMode']?.value).toBe('${REMEDIATOR_MODE=dry-run}');
    // every required param of main.bicep is given by azd
    const required = [...declared.values()].filter((p) => p.defaultText === undefined).map((p) => p.name);
    for (const r of required) expect(Object.keys(file.parameters)).toContain(r);
  });

  it('webhook URLs are @secure() params and never outputs', () => {
    const params = readParams(readText(mainBicep));
    for (const name of ['teamsWebhookUrl', 'slackWebhookUrl']) {
      expect(params.get(name)?.decorators).toContain('@secure()');
    }
    for (const file of bicepFiles) {
      const outputs = readText(file).match(/^output .*$/gm) ?? [];
      for (const o of outputs) expect(o).not.toMatch(/webhook/i);
    }
  });
});

describe('infra/README.md', () => {
  const readme = readText(join(INFRA_DIR, 'README.md'));

  it('documents every parameter of main.bicep', () => {
    const undocumented = [...readParams(readText(mainBicep)).keys()].filter((name) => !readme.includes(`\`${name}\``));
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
});
