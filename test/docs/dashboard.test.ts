/**
 * The README's dashboard picture is what a run did: `remediator demo --only seed-story` (dry-run, auto-fix, approve)
 * with the OpenTelemetry SDK's in-memory exporters, read per workbook panel by docs/dashboard/collect.ts, and every
 * workbook panel drawn by docs/dashboard/render.ts.
 */
import { readWorkbookTitles, runDemoDashboard } from '../../docs/dashboard/generate';
import type { DashboardData } from '../../docs/dashboard/collect';
import { renderDashboard } from '../../docs/dashboard/render';

let data: DashboardData;
beforeAll(async () => {
  data = await runDemoDashboard('seed-story');
}, 120_000);

it('counts what the seed story did in its three modes', () => {
  expect(data.eventsByDoorAndStatus).toEqual([{ label: 'event-grid / diagnosed', value: 3 }]);
  expect(data.diagnosesByKind).toEqual([{ label: 'acr-pull/missing-role', value: 3 }]);
  const actions = Object.fromEntries(data.actionsByTypeAndStatus.map((b) => [b.label, b.value]));
  // dry-run plans, approve waits for a person, auto-fix writes the role assignment and redeploys
  expect(actions).toMatchObject({
    'assign-role / planned': 1,
    'assign-role / awaiting-approval': 1,
    'assign-role / applied': 1,
  });
  expect(data.budget?.used).toBeGreaterThanOrEqual(1);
  expect(data.failedEvents).toBe(0);
});

it('times: one diagnosis per mode; two heals (auto-fix, and approve once the demo approves), failure → healthy revision', () => {
  expect(data.durations.filter((d) => d.metric === 'remediator.time_to_diagnose')).toEqual([
    expect.objectContaining({ label: 'acr-pull/missing-role', count: 3 }),
  ]);
  const heal = data.durations.filter((d) => d.metric === 'remediator.time_to_heal');
  expect(heal).toEqual([expect.objectContaining({ label: 'healed', count: 2 })]);
  expect(heal[0]!.meanMs).toBeGreaterThan(0);
});

it('one trace per event, and every workbook panel is drawn', () => {
  expect(data.latestEvents.map((e) => [e.mode, e.status, e.kind]).sort()).toEqual(
    ['approve', 'auto-fix', 'dry-run'].map((m) => [m, 'diagnosed', 'acr-pull/missing-role']),
  );
  for (const e of data.latestEvents) expect(e.spans).toBeGreaterThan(3);
  const titles = readWorkbookTitles();
  expect(titles).toHaveLength(9);
  const html = renderDashboard(data, titles, 'test');
  for (const t of titles) expect(html).toContain(`<h2>${t.replace(/&/g, '&amp;')}</h2>`);
  expect(html).not.toContain('(not drawn)');
});
