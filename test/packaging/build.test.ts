/**
 * What `npm run build` produces is what package.json, azd and func point at: `main` names a file the build writes,
 * dist/ is a complete Functions app folder without source maps, the `remediator` command runs from its bundle with
 * no tsx (as after `npm prune --omit=dev`), and .funcignore keeps a root publish to the bundle.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'pipe' });
}, 120_000);

describe('npm run build', () => {
  it("package.json's main is the bundle the build wrote", () => {
    const pkg = readJson<{ main: string }>(join(ROOT, 'package.json'));
    expect(pkg.main).toBe('dist/main.js');
    expect(existsSync(join(ROOT, pkg.main))).toBe(true);
  });

  it('dist/ is a Functions app folder and ships no source map', () => {
    // main.js registers the triggers; the handlers, the settings check and the telemetry SDK load on first use
    expect(readdirSync(join(ROOT, 'dist')).sort()).toEqual([
      'adapters',
      'doctor.js',
      'handlers.js',
      'host.json',
      'main.js',
      'package.json',
      'startup-check.js',
    ]);
    expect(readdirSync(join(ROOT, 'dist', 'adapters'))).toEqual(['telemetry-sdk.js']);
    expect(readJson<{ main: string }>(join(ROOT, 'dist', 'package.json')).main).toBe('main.js');
    const bundle = readFileSync(join(ROOT, 'dist', 'main.js'), 'utf8');
    // No source map: none inline, and no trailing map comment. (The Azure Monitor distro bundles Application
    // Insights' browser snippet, a string that itself ends in a `sourceMappingURL=snippet.min.js.map` line.)
    expect(bundle).not.toMatch(/sourceMappingURL=data:/);
    expect(bundle).not.toMatch(/sourceMappingURL=main\.js\.map/);
    expect(bundle.trimEnd().split('\n').pop()).not.toMatch(/sourceMappingURL/);
    expect(bundle).toMatch(/eventGridFailures/); // the functions are registered from the bundle
  });

  it('importing main.js (what the host indexes) loads no other file: the handlers load on first use', () => {
    const script =
      "require('./dist/main.js'); process.stdout.write(JSON.stringify(Object.keys(require.cache).map((f) => require('node:path').relative(process.cwd(), f))));";
    const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(run.stdout)).toEqual([join('dist', 'main.js')]);
    // what the first invocation requires: the seven handlers (the doctor loads from dist/doctor.js when it is asked)
    const loaded = spawnSync(
      process.execPath,
      [
        '-e',
        "const h = require('./dist/handlers.js'); process.stdout.write(Object.keys(h).filter((k) => typeof h[k] === 'function').sort().join())",
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(loaded.stdout).toBe(
      'activityLogAlert,approval,eventGridFailures,eventGridWebhook,healCheck,healPoison,outboxRetry',
    );
  });

  it('nothing local-only in the deployable files (the emulator, Azurite, the local harness, previews)', () => {
    // esbuild's record of the modules bundled into each file (the build writes it from its metafile)
    const inputs = readJson<Record<string, string[]>>(join(ROOT, 'lib', 'bundle-inputs.json'));
    const files = ['main.js', 'handlers.js', 'startup-check.js', 'doctor.js', join('adapters', 'telemetry-sdk.js')];
    expect(Object.keys(inputs).sort()).toEqual([...files].sort());
    const modules = files.flatMap((f) => inputs[f] ?? []);
    expect(modules.filter((m) => /^src\//.test(m)).length).toBeGreaterThan(100);
    expect(modules.filter((m) => /(^|\/)node_modules\//.test(m)).length).toBeGreaterThan(100);
    expect(modules.filter((m) => /^emulator\/|src\/local\/|azurite|playwright|preview/i.test(m))).toEqual([]);
  });

  it('the deployable files are minified but keep the real function names (stack traces name them)', () => {
    const handlers = readFileSync(join(ROOT, 'dist', 'handlers.js'), 'utf8');
    expect(handlers.split('\n').length).toBeLessThan(handlers.length / 1000);
    expect(handlers).toMatch(/function processItems\(/);
    expect(handlers).toMatch(/function makeEventGridHandler\(/);
  });

  it('the remediator command runs from its bundle without tsx', () => {
    const script = [
      "require('./lib/cli/main.js')",
      "  .runCli(['diagnose', '--message', 'UNAUTHORIZED: authentication required'])",
      '  .then((code) => {',
      '    const loaded = Object.keys(require.cache).filter((f) => /[\\\\/]tsx[\\\\/]|\\.ts$/.test(f));',
      "    process.stderr.write(JSON.stringify({ loaded }) + '\\n');",
      '    process.exitCode = code;',
      '  });',
    ].join('\n');
    const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '{"loaded":[]}\n' });
    expect(run.stdout).toMatch(/acr-pull/);
  });
});

describe('.funcignore', () => {
  const ignored = readFileSync(join(ROOT, '.funcignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

  it('publishes package.json, host.json and dist/ from the root, nothing else of the checkout', () => {
    for (const kept of ['package.json', 'host.json', 'dist/', 'dist']) expect(ignored).not.toContain(kept);
    for (const dropped of [
      'node_modules/',
      'src/',
      'test/',
      'emulator/',
      'infra/',
      '.cache/',
      'lib/',
      'local.settings.json',
    ]) {
      expect(ignored).toContain(dropped);
    }
  });
});
