import { captureOutput } from '../helpers/cli-run';
import { runAuditCommand } from '../../src/cli/audit';
import { createStore } from '../../src/adapters/state-store';
import { loadConfig } from '../../src/config';
import type { AuditRecord } from '../../src/store/port';
import { startAzurite, type RunningAzurite } from '../helpers/azurite';

function capture() {
  const c = captureOutput();
  return { out: c.stdout, err: c.stderr, text: c.out, errText: c.err };
}

let azurite: RunningAzurite;
const app = '/subscriptions/s1/resourceGroups/web-rg/providers/Microsoft.App/containerApps/web';
const rec = (i: number, over: Partial<AuditRecord> = {}): AuditRecord => ({
  id: `2026-11-21T10:0${i}:00.000Z-e${i}`,
  at: `2026-11-21T10:0${i}:00.000Z`,
  eventId: `e${i}`,
  resourceId: app,
  mode: 'auto-fix',
  stage: 'action',
  status: 'applied',
  kind: 'acr-pull/missing-role',
  detail: { action: { type: 'assign-role', reason: `assigned AcrPull #${i}` } },
  ...over,
});

beforeAll(async () => {
  azurite = await startAzurite();
  const store = await createStore(loadConfig({ REMEDIATOR_STORAGE_CONNECTION: azurite.connectionString }), {
    warn: () => undefined,
  });
  for (const i of [1, 2, 3]) await store.appendAudit(rec(i));
  await store.appendAudit(
    rec(4, {
      resourceId: '/subscriptions/s1/resourceGroups/other/providers/Microsoft.App/containerApps/api',
      status: 'blocked',
      detail: { action: { type: 'redeploy-revision', reason: 'budget exhausted' } },
    }),
  );
});
afterAll(async () => {
  await azurite?.stop();
});

describe('remediator audit', () => {
  const env = () => ({ REMEDIATOR_STORAGE_CONNECTION: azurite.connectionString });

  it('prints a table read from the configured Table storage', async () => {
    const c = capture();
    expect(await runAuditCommand([], { stdout: c.out, stderr: c.err, env: env() })).toBe(0);
    const lines = c.text().trim().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+MODE\s+STAGE\s+STATUS/);
    expect(lines).toHaveLength(5);
    expect(lines[4]).toMatch(/blocked.*api.*redeploy-revision: budget exhausted/);
  });

  it('filters by --resource, --event, --since, --limit; --json is one document', async () => {
    const c = capture();
    expect(
      await runAuditCommand(['--resource', app.toUpperCase(), '--limit', '2', '--json'], {
        stdout: c.out,
        stderr: c.err,
        env: env(),
      }),
    ).toBe(0);
    const doc = JSON.parse(c.text()) as { records: AuditRecord[] };
    expect(doc.records.map((r) => r.eventId)).toEqual(['e2', 'e3']);
    const d = capture();
    await runAuditCommand(['--event', 'e1', '--json'], { stdout: d.out, stderr: d.err, env: env() });
    expect((JSON.parse(d.text()) as { records: AuditRecord[] }).records.map((r) => r.eventId)).toEqual(['e1']);
    const s = capture();
    await runAuditCommand(
      ['--since', '3m', '--json'],
      { stdout: s.out, stderr: s.err, env: env() },
      { now: () => new Date('2026-11-21T10:05:00Z') },
    );
    expect((JSON.parse(s.text()) as { records: AuditRecord[] }).records.map((r) => r.eventId)).toEqual([
      'e2',
      'e3',
      'e4',
    ]);
  });

  it('usage errors and a missing store exit 2 with a message', async () => {
    const c = capture();
    expect(await runAuditCommand(['--since', 'yesterday-ish'], { stdout: c.out, stderr: c.err, env: env() })).toBe(2);
    expect(c.errText()).toMatch(/--since/);
    const m = capture();
    expect(await runAuditCommand([], { stdout: m.out, stderr: m.err, env: {} })).toBe(2);
    expect(m.errText()).toMatch(/no audit store configured/);
  });
});
