/** The README is the front door: it must stay true to the code (settings, kinds, the two commands, .ci/run). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS } from '../../src/config';
import { DIAGNOSIS_KINDS } from '../../src/model';

const ROOT = join(__dirname, '..', '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it.each(SETTINGS.map((s) => [s.name, s.default] as const))(
    'documents setting %s with its default %j',
    (name, def) => {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row).toBeDefined();
      expect(row).toContain(def === '' ? '_(empty)_' : `\`${def}\``);
    },
  );

  it.each([...DIAGNOSIS_KINDS])('explains diagnosis kind %s', (kind) => {
    expect(readme).toContain(`| \`${kind}\` |`);
  });

  it('gives the two commands, and .ci/run runs exactly the test command', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm ci && npm test');
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    const command = ci
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#') && !l.startsWith('set ') && !l.startsWith('cd '));
    expect(command).toEqual(['npm ci && npm test']);
    // and the test command compiles the Bicep and runs jest on Node 22
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['test']).toContain('npm run infra:check');
    expect(pkg.scripts['test']).toContain('node scripts/run-jest.mjs');
  });

  it('has no placeholder left', () => {
    expect(readme).not.toMatch(/PERF_SECTION|STATUS_SECTION|KINDS_TABLE|SETTINGS_TABLE|TODO/);
  });
});
