/**
 * `remediator doctor` against the ARM emulator (real SDK clients over HTTPS) and Azurite: a correctly wired world
 * passes; each wiring fault is a ✖ naming what is wrong and its fix, and the exit code is 1. No webhook URL or
 * connection string is ever printed.
 */
import { captureOutput } from '../helpers/cli-run';
import { runDoctor } from '../../src/cli/doctor';
import type { Check } from '../../src/doctor/checks';
import { HANDLED_OPERATIONS } from '../../src/intake/relevance';
import { rbac, REMEDIATOR_OID, remediatorCredential, startDoctorWorld, TEAMS, type DoctorWorld } from './doctor-world';

let world: DoctorWorld;
let sub: string;
let adminAssignmentId: string;
const wireEventGrid = (o?: Parameters<DoctorWorld['wireEventGrid']>[0]) => world.wireEventGrid(o);
const env = (extra?: Record<string, string>) => world.env(extra);

beforeAll(async () => {
  world = await startDoctorWorld();
  sub = world.sub;
  adminAssignmentId = world.adminAssignmentId;
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

async function doctor(e: Record<string, string>, args: string[] = ['--json']) {
  const c = captureOutput();
  const code = await runDoctor(
    args,
    { stdout: c.stdout, stderr: c.stderr, env: e, cwd: process.cwd() },
    {
      credential: remediatorCredential,
      retryOptions: { maxRetries: 0 },
    },
  );
  return { code, out: c.out() };
}
const failed = (out: string): Check[] =>
  (JSON.parse(out) as { checks: Check[] }).checks.filter((c) => c.status === 'fail');

describe('remediator doctor against the emulator and Azurite', () => {
  it('passes a correctly wired world (exit 0), every area checked', async () => {
    await wireEventGrid();
    const { code, out } = await doctor(env());
    const checks = (JSON.parse(out) as { ok: boolean; checks: Check[] }).checks;
    expect(failed(out)).toEqual([]);
    expect(code).toBe(0);
    const ids = checks.map((c) => c.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'settings',
        'mode',
        'identity',
        `scope:/subscriptions/${sub}`,
        `rbac-admin:${adminAssignmentId}`,
        'event-filter:remediator-arm-failures',
        'dead-letter:remediator-arm-failures',
        'storage:remediatorclaims',
        'storage:remediatoraudit',
        'storage:remediator-heal-checks',
        'webhook:teams',
        'webhook:slack',
      ]),
    );
    expect(checks.find((c) => c.id === 'identity')?.detail).toContain(REMEDIATOR_OID);
    expect(out).not.toContain('TopSecretSignature');
    expect(out).not.toContain('SlackSecretToken');
    expect(out).not.toContain('AccountKey');
  });

  it('prints a ✔ checklist by default', async () => {
    const { code, out } = await doctor(env(), []);
    expect(code).toBe(0);
    expect(out).toMatch(/✔ identity: runs as principal/);
    expect(out).toMatch(/all \d+ checks passed/);
    expect(out).not.toMatch(/TopSecretSignature|SlackSecretToken/);
  });

  it('names a filter that misses a handled operation, with its fix', async () => {
    await wireEventGrid({ operations: HANDLED_OPERATIONS.filter((o) => !/revisions\/restart/.test(o)) });
    const { code, out } = await doctor(env());
    expect(code).toBe(1);
    const f = failed(out);
    expect(f.map((c) => c.id)).toEqual(['event-filter:remediator-arm-failures']);
    expect(f[0]?.detail).toContain('Microsoft.App/containerApps/revisions/restart/action');
    expect(f[0]?.fix).toMatch(/azd provision/);
    await wireEventGrid();
  });

  it('names a subscription that does not dead-letter', async () => {
    await wireEventGrid({ deadLetter: false });
    const { code, out } = await doctor(env());
    expect(code).toBe(1);
    expect(failed(out).map((c) => [c.id, c.fix])).toEqual([
      ['dead-letter:remediator-arm-failures', expect.stringMatching(/deadLetterWithResourceIdentity/)],
    ]);
    await wireEventGrid();
  });

  it('names an RBAC Administrator assignment without the ABAC condition', async () => {
    const name = 'b0b0b0b0-2222-4333-8444-955566667777';
    await world.emulator.authorization.roleAssignments.create(`/subscriptions/${sub}/resourceGroups/web-rg`, name, {
      roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${rbac.builtInRoles.rbacAdministrator}`,
      principalId: REMEDIATOR_OID,
      principalType: 'ServicePrincipal',
    });
    const { code, out } = await doctor(env());
    expect(code).toBe(1);
    const f = failed(out);
    expect(f).toHaveLength(1);
    expect(f[0]?.id).toMatch(new RegExp(`rbac-admin:.*${name}`, 'i'));
    expect(f[0]?.detail).toMatch(/no condition/);
    expect(f[0]?.fix).toMatch(/az role assignment delete --ids .*rbacAdministratorCondition/);
    await world.emulator.authorization.roleAssignments.delete(`/subscriptions/${sub}/resourceGroups/web-rg`, name);
  });

  it('names unreachable storage', async () => {
    const closed =
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;';
    const { code, out } = await doctor(env({ REMEDIATOR_STORAGE_CONNECTION: closed }));
    expect(code).toBe(1);
    const f = failed(out);
    expect(f.map((c) => c.id).sort()).toEqual([
      'storage:remediator-heal-checks',
      'storage:remediatoraudit',
      'storage:remediatorclaims',
    ]);
    expect(f[0]?.fix).toMatch(/Storage (Table|Queue) Data Contributor/);
    expect(out).not.toContain('Eby8vdM02x');
  });

  it('names a malformed webhook URL without printing it', async () => {
    // A Workflows URL pasted without its signature, and a Slack URL with a mangled path.
    const teams = TEAMS.replace(/&sig=.*$/, '');
    const slack = 'https://hooks.slack.com/servces/T0123ABCD/B0456EFGH/SlackSecretToken0123456789';
    const { code, out } = await doctor(env({ TEAMS_WEBHOOK_URL: teams, SLACK_WEBHOOK_URL: slack }));
    expect(code).toBe(1);
    const f = failed(out);
    expect(f.map((c) => [c.id, c.detail])).toEqual([
      ['webhook:teams', expect.stringMatching(/no sig= parameter/)],
      ['webhook:slack', expect.stringMatching(/path is not \/services/)],
    ]);
    expect(f[1]?.fix).toMatch(/hooks\.slack\.com\/services/);
    expect(out).not.toMatch(/SlackSecretToken|abc123/);
    // Not https at all: the settings themselves are refused, the value hidden.
    const http = await doctor(env({ SLACK_WEBHOOK_URL: slack.replace('https', 'http') }));
    expect(http.code).toBe(1);
    expect(failed(http.out).map((c) => [c.id, c.detail])).toEqual([
      ['settings', expect.stringMatching(/SLACK_WEBHOOK_URL/)],
    ]);
    expect(http.out).not.toContain('SlackSecretToken');
  });

  it('names a missing Event Grid subscription and an unexpected mode', async () => {
    await world.unwireEventGrid();
    const { code, out } = await doctor(env(), ['--json', '--expect-mode', 'auto-fix']);
    expect(code).toBe(1);
    const ids = failed(out).map((c) => c.id);
    expect(ids.sort()).toEqual(['event-subscription', 'mode']);
    await wireEventGrid();
  });

  it('--help explains every check; a bad --expect-mode is a usage error', async () => {
    const { code, out } = await doctor(env(), ['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/ABAC condition/);
    expect((await doctor(env(), ['--expect-mode', 'yolo'])).code).toBe(2);
  });
});
