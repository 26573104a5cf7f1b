/**
 * Approve mode end to end, through the real SDK clients against the ARM emulator (HTTPS) and Azurite, with the
 * approval page served over real HTTP: nothing is written until a person approves; one approval writes exactly once;
 * expired / forged / replayed / not-an-approver requests write nothing and are audited; a changed world is re-planned;
 * a GET never writes.
 */
import type { Harness } from '../../src/local/harness';
import {
  ADA,
  MALLORY,
  armWrites,
  formTokens,
  get,
  pendingOf,
  post,
  readEventPayload,
  roleAssignmentPuts,
  signInAs,
  startApproveHarness,
  tokenOf,
} from './helpers';

jest.setTimeout(120_000);

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const refusals = async (): Promise<string[]> =>
  (await h.store.listAudit({ limit: 500 }))
    .filter((r) => r.stage === 'approval' && r.status === 'refused')
    .map((r) => JSON.stringify(r.detail['reason']))
    .sort();

test('approve mode plans and guards, writes nothing, and the message carries signed links; GET shows the plan and writes nothing', async () => {
  h = await startApproveHarness();
  const pending = pendingOf(await h.deliver(readEventPayload('missing-role')));
  expect(pending.actions.map((a) => [a.type, a.status])).toEqual([
    ['assign-role', 'awaiting-approval'],
    ['redeploy-revision', 'awaiting-approval'],
  ]);
  expect(pending.approval.approveUrl.startsWith(h.approval?.url ?? '?')).toBe(true);
  expect(armWrites(h)).toEqual([]);

  // Chat clients and mail scanners prefetch links: any number of GETs writes nothing.
  for (let i = 0; i < 3; i++) {
    const page = await get(pending.approval.approveUrl);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Approve this fix?');
    expect(page.html).toContain('assign-role');
    expect(page.html).toContain('/registries/acmeacr');
    expect(page.html).toContain('allowed now');
    expect(page.html).toContain('Ada Lovelace');
  }
  await get(pending.approval.dismissUrl);
  expect(armWrites(h)).toEqual([]);
  expect(roleAssignmentPuts(h)).toBe(0);
});

test('one approval writes exactly once: two browsers at once, then pressed again', async () => {
  h = await startApproveHarness();
  const pending = pendingOf(await h.deliver(readEventPayload('missing-role')));
  const token = tokenOf(pending.approval.approveUrl);
  const [a, b] = await Promise.all([post(h, token), post(h, token)]);
  expect([a.status, b.status].sort()).toEqual([200, 409]);
  const again = await post(h, token);
  expect(again.status).toBe(409);
  expect(again.html).toContain('already approved by Ada Lovelace');
  expect(roleAssignmentPuts(h)).toBe(1);

  // The heal step the approval scheduled runs under the approval: a new revision, and it runs.
  await h.settle([]);
  const writes = armWrites(h);
  expect(writes.filter((w) => w.method === 'PUT' && /roleassignments/i.test(w.path))).toHaveLength(1);
  // One app write per redeploy attempt of the adaptive schedule, each a revision of its own (never one twice).
  const patches = writes.filter((w) => /containerApps\/web$/i.test(w.path) && w.method === 'PATCH');
  const healRevisions = h.emulator.snapshot().resources.filter((r) => /\/revisions\/web--heal-/i.test(r.id));
  expect(patches.length).toBeGreaterThanOrEqual(1);
  expect(patches).toHaveLength(healRevisions.length);
  const approved = (await h.store.listAudit({ limit: 500 })).filter(
    (r) => r.stage === 'approval' && r.status === 'approved',
  );
  expect(approved).toHaveLength(1);
  expect(approved[0]?.detail['by']).toBe('Ada Lovelace');
  expect(await refusals()).toEqual(['"reused"', '"reused"']);
});

test('expired, forged, replayed, unsigned-in and not-an-approver requests write nothing, get a clear 4xx page, and are audited', async () => {
  h = await startApproveHarness();
  const pending = pendingOf(await h.deliver(readEventPayload('missing-role')));
  const token = tokenOf(pending.approval.approveUrl);

  const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'AB' : 'AA'}`;
  const r1 = await post(h, forged);
  expect(r1.status).toBe(403);
  expect(r1.html).toContain('This link is not valid');

  signInAs(h, MALLORY);
  const r2 = await post(h, token);
  expect(r2.status).toBe(403);
  expect(r2.html).toContain('Mallory is not listed in REMEDIATOR_APPROVERS');

  signInAs(h, undefined);
  expect((await post(h, token)).status).toBe(401);

  signInAs(h, ADA);
  const dismissed = await post(h, tokenOf(pending.approval.dismissUrl));
  expect(dismissed.status).toBe(200);
  expect(dismissed.html).toContain('Dismissed by Ada Lovelace');
  // Dismissed is decided: the approve link of the same plan is used up.
  const replay = await post(h, token);
  expect(replay.status).toBe(409);
  expect(replay.html).toContain('was dismissed by Ada Lovelace');

  expect(armWrites(h)).toEqual([]);
  expect(await refusals()).toEqual(['"forged"', '"no-principal"', '"not-an-approver"', '"reused"']);
});

test('an expired link writes nothing (410)', async () => {
  h = await startApproveHarness({ REMEDIATOR_APPROVAL_TTL_MINUTES: '60' });
  const pending = pendingOf(await h.deliver(readEventPayload('missing-role')));
  h.emulator.clock.advance(61 * 60_000);
  const r = await post(h, tokenOf(pending.approval.approveUrl));
  expect(r.status).toBe(410);
  expect(r.html).toContain('This link has expired');
  expect((await get(pending.approval.approveUrl)).status).toBe(410);
  expect(armWrites(h)).toEqual([]);
  expect(await refusals()).toEqual(['"expired"', '"expired"']);
});

test('a changed world at approval time is re-planned: the new plan is shown and asked again, then approved once', async () => {
  h = await startApproveHarness();
  const pending = pendingOf(await h.deliver(readEventPayload('missing-role')));
  const x = pending.diagnosis.details;
  // Someone grants the pull role by hand after the message went out.
  const sub = /\/subscriptions\/([^/]+)/.exec(x.registryId ?? '')?.[1] ?? '';
  await h.arm.createRoleAssignment({
    scope: x.registryId ?? '',
    name: 'b0b0b0b0-0000-4000-8000-00000000b0b0',
    roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`,
    principalId: x.identity?.principalId ?? '',
    principalType: 'ServicePrincipal',
    description: 'granted by a person',
  });
  h.emulator.clearRequestLog();

  const r = await post(h, tokenOf(pending.approval.approveUrl));
  expect(r.status).toBe(409);
  expect(r.html).toContain('The plan has changed');
  expect(r.html).not.toContain('>assign-role<');
  expect(r.html).toContain('redeploy-revision');
  expect(armWrites(h)).toEqual([]);

  const [newApprove] = formTokens(r.html);
  const ok = await post(h, newApprove ?? '');
  expect(ok.status).toBe(200);
  expect(ok.html).toContain('Approved by Ada Lovelace');
  expect(roleAssignmentPuts(h)).toBe(0);
  // The old link stays used up.
  expect((await post(h, tokenOf(pending.approval.approveUrl))).status).toBe(409);
  expect((await post(h, newApprove ?? '')).status).toBe(409);
});
