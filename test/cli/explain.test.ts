/** `remediator explain`: every diagnosis kind and fix type explained offline; the fix types' defaults are the config's. */
import { loadConfig } from '../../src/config';
import { ACTION_TYPES, DIAGNOSIS_KINDS } from '../../src/model';
import { runCliCaptured } from '../helpers/cli-run';

interface Explained {
  name: string;
  what: 'kind' | 'fix type';
  allowedByDefault?: boolean;
  remediation?: string;
  writes?: string;
}

describe('remediator explain', () => {
  it('--json explains every kind and every fix type; allowed by default exactly as the config default', async () => {
    const c = await runCliCaptured(['explain', '--json']);
    expect(c.code).toBe(0);
    const { explained } = JSON.parse(c.stdout) as { explained: Explained[] };
    expect(explained.map((e) => e.name)).toEqual([...DIAGNOSIS_KINDS, ...ACTION_TYPES]);
    const defaults = loadConfig({}).allowedFixTypes;
    for (const e of explained.filter((x) => x.what === 'fix type'))
      expect(e.allowedByDefault).toBe(defaults.includes(e.name as (typeof ACTION_TYPES)[number]));
    expect(explained.find((e) => e.name === 'start-job-execution')).toMatchObject({
      allowedByDefault: false,
      writes: expect.stringContaining('POST …/jobs/{name}/start'),
    });
  });

  it('a new kind and the new fix type, as text', async () => {
    const c = await runCliCaptured(['explain', 'secret-ref/key-vault-access-denied', 'start-job-execution']);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain(
      'secret-ref/key-vault-access-denied — Deployment refused: Key Vault secret unreadable (manual)',
    );
    expect(c.stdout).toContain('start-job-execution — fix type, NOT allowed by default');
    expect(c.stdout).toContain('az containerapp job start --name JOB --resource-group RG');
  });

  it('an unknown name is a usage error (exit 2) listing what exists', async () => {
    const c = await runCliCaptured(['explain', 'acr-pull/no-such-kind']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('unknown kind or fix type: acr-pull/no-such-kind');
  });
});
