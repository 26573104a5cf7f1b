/**
 * The `remediator` command's contracts (CONTRACTS.md §2 for simulate): exit codes, --json shapes, bad input.
 * Commands run in-process through runCli with captured streams; one test runs the real bin in a child process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { COMMANDS } from '../../src/cli/main';
import { humanLogStream, logDestination, type CliIo } from '../../src/cli/io';
import { describeLoginProblem } from '../../src/cli/arm-target';
import { ROLE_IDS, type Outcome } from '../../src/model';
import { runCliCaptured } from '../helpers/cli-run';

const ROOT = resolve(__dirname, '..', '..');
const SEED_WORLD = resolve(ROOT, '..', 'shared', 'examples', 'seed-story', 'world.json');
const SEED_EVENT = resolve(ROOT, '..', 'shared', 'examples', 'seed-story', 'event.json');
const LOCAL_SEED_WORLD = join(ROOT, 'test/worlds/seed-story.json');
const LOCAL_SEED_EVENT = join(ROOT, 'test/worlds/seed-story.event.json');

const run = runCliCaptured;

const tmp = mkdtempSync(join(tmpdir(), 'remediator-cli-'));

describe('remediator simulate', () => {
  // The shared seed story when ../shared is beside the checkout (as in CI), else the repository's copy.
  const worldPath = existsSync(SEED_WORLD) ? SEED_WORLD : LOCAL_SEED_WORLD;
  const eventPath = existsSync(SEED_EVENT) ? SEED_EVENT : LOCAL_SEED_EVENT;

  it('dry-run on the seed story: one diagnosed outcome, acr-pull/missing-role, fixes planned, world unchanged', async () => {
    const worldOut = join(tmp, 'dry.json');
    const r = await run(['simulate', '--world', worldPath, '--event', eventPath, '--json', '--world-out', worldOut]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { outcomes: Outcome[] };
    expect(Object.keys(doc)).toEqual(['outcomes']);
    expect(doc.outcomes).toHaveLength(1);
    const o = doc.outcomes[0] as Outcome;
    expect(o.status).toBe('diagnosed');
    expect(o.diagnosis?.kind).toBe('acr-pull/missing-role');
    expect(typeof o.diagnosis?.summary).toBe('string');
    expect(o.diagnosis?.evidence.length).toBeGreaterThan(0);
    expect(o.actions?.map((a) => [a.type, a.status])).toEqual([
      ['assign-role', 'planned'],
      ['redeploy-revision', 'planned'],
    ]);
    const assign = o.actions?.[0];
    expect(assign?.principalId).toBe('7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d');
    expect(assign?.roleDefinitionId).toContain(ROLE_IDS.acrPull);
    expect(assign?.scope?.toLowerCase()).toMatch(/\/registries\/acmeacr$/);
    // dry-run wrote nothing: the world after the run has no role assignment and no new revision
    const after = JSON.parse(readFileSync(worldOut, 'utf8')) as { resources: Array<{ type: string }> };
    expect(after.resources.filter((x) => x.type === 'Microsoft.Authorization/roleAssignments')).toHaveLength(0);
    const before = JSON.parse(readFileSync(worldPath, 'utf8')) as { resources: Array<{ type: string }> };
    const revs = (w: { resources: Array<{ type: string }> }) =>
      w.resources.filter((x) => x.type === 'Microsoft.App/containerApps/revisions').length;
    expect(revs(after)).toBe(revs(before));
  });

  it('auto-fix on the seed story: AcrPull applied at the registry, redeploy applied, healed; the world shows both', async () => {
    const worldOut = join(tmp, 'fixed.json');
    const r = await run([
      'simulate',
      '--world',
      worldPath,
      '--event',
      eventPath,
      '--mode',
      'auto-fix',
      '--json',
      '--world-out',
      worldOut,
    ]);
    expect(r.code).toBe(0);
    const o = (JSON.parse(r.stdout) as { outcomes: Outcome[] }).outcomes[0] as Outcome;
    expect(o.actions?.map((a) => [a.type, a.status])).toEqual([
      ['assign-role', 'applied'],
      ['redeploy-revision', 'applied'],
    ]);
    expect(o.heal?.status).toBe('healed');
    const after = JSON.parse(readFileSync(worldOut, 'utf8')) as {
      resources: Array<{ id: string; type: string; properties?: Record<string, unknown> }>;
    };
    const assignments = after.resources.filter((x) => x.type === 'Microsoft.Authorization/roleAssignments');
    expect(assignments).toHaveLength(1);
    expect(String(assignments[0]?.properties?.['roleDefinitionId'])).toContain(ROLE_IDS.acrPull);
    expect(String(assignments[0]?.properties?.['principalId'])).toBe('7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d');
    expect(assignments[0]?.id.toLowerCase()).toContain(
      '/registries/acmeacr/providers/microsoft.authorization/roleassignments/',
    );
    const healed = after.resources.find(
      (x) =>
        x.type === 'Microsoft.App/containerApps/revisions' &&
        o.heal?.revisionName &&
        x.id.endsWith(`/${o.heal.revisionName}`),
    );
    expect(healed?.properties?.['runningState']).toBe('Running');
  });

  it('a malformed event in the file is an honest `rejected` outcome with an error, exit 0', async () => {
    const ev = join(tmp, 'bad-event.json');
    writeFileSync(
      ev,
      JSON.stringify([
        {
          id: 'x1',
          eventType: 'Microsoft.Resources.ResourceWriteFailure',
          subject: '/subscriptions/s',
          eventTime: 'now',
          dataVersion: '2',
        },
      ]),
    );
    const r = await run(['simulate', '--world', worldPath, '--event', ev, '--json']);
    expect(r.code).toBe(0);
    const o = (JSON.parse(r.stdout) as { outcomes: Outcome[] }).outcomes[0] as Outcome;
    expect(o.status).toBe('rejected');
    expect(o.error).toMatch(/data/);
    expect(o.diagnosis).toBeUndefined();
  });

  it('a success event is ignored, without a diagnosis', async () => {
    const ev = JSON.parse(readFileSync(eventPath, 'utf8')) as Record<string, unknown> & {
      data: Record<string, unknown>;
    };
    const success = {
      ...ev,
      id: 'ok-1',
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      data: { ...ev.data, status: 'Succeeded' },
    };
    const p = join(tmp, 'success.json');
    writeFileSync(p, JSON.stringify(success));
    const r = await run(['simulate', '--world', worldPath, '--event', p, '--json']);
    const o = (JSON.parse(r.stdout) as { outcomes: Outcome[] }).outcomes[0] as Outcome;
    expect(o.status).toBe('ignored');
    expect(o.diagnosis).toBeUndefined();
  });

  it.each([
    [['simulate', '--event', 'x.json'], /--world is required/],
    [['simulate', '--world', 'x.json'], /--event is required/],
    [['simulate', '--world', 'nope.json', '--event', 'nope.json'], /world file nope.json cannot be used/],
    [['simulate', '--world', 'LOCAL_WORLD', '--event', 'nope.json'], /cannot read event file nope.json: no such file/],
    [
      ['simulate', '--world', 'LOCAL_WORLD', '--event', 'LOCAL_EVENT', '--mode', 'yolo'],
      /--mode must be dry-run, auto-fix or approve/,
    ],
    [['simulate', '--world', 'LOCAL_WORLD', '--event', 'LOCAL_EVENT', '--bogus'], /Unknown option '--bogus'/],
  ])('unusable input %j → exit 2 with a clear message on stderr', async (argv, message) => {
    const args = argv.map((a) => (a === 'LOCAL_WORLD' ? LOCAL_SEED_WORLD : a === 'LOCAL_EVENT' ? LOCAL_SEED_EVENT : a));
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('a world file that is JSON but not a world → exit 2 naming the problem', async () => {
    const p = join(tmp, 'not-a-world.json');
    writeFileSync(p, JSON.stringify({ resources: [{ name: 'no id' }] }));
    const r = await run(['simulate', '--world', p, '--event', LOCAL_SEED_EVENT]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot be used: .*id/);
  });

  it('an event file that is not JSON → exit 2', async () => {
    const p = join(tmp, 'truncated.json');
    writeFileSync(p, '{"id": "abc", "eventType": ');
    const r = await run(['simulate', '--world', LOCAL_SEED_WORLD, '--event', p]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not valid JSON/);
  });
});

describe('remediator diagnose (offline)', () => {
  it('MANIFEST_UNKNOWN decides image-not-found on its own', async () => {
    const msg =
      "Failed to provision revision for container app 'web'. Field 'template.containers.api.image' is invalid with details: 'Invalid value: \"acmeacr.azurecr.io/api:2.0.0\": GET https:: MANIFEST_UNKNOWN: manifest tagged by \"2.0.0\" is not found; map[Tag:2.0.0]';..";
    const r = await run(['diagnose', '--message', msg, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { triage: { kind: string; facts: string[] } };
    expect(doc.triage.kind).toBe('acr-pull/image-not-found');
    expect(doc.triage.facts.join('\n')).toContain('acmeacr.azurecr.io/api:2.0.0');
  });

  it('UNAUTHORIZED cannot be decided offline: it lists the candidate causes and the checks', async () => {
    const r = await run([
      'diagnose',
      '--message',
      'GET https:?scope=repository%3Aapi%3Apull&service=acmeacr.azurecr.io: UNAUTHORIZED: authentication required',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/could be: .*acr-pull\/missing-role/);
    expect(r.stdout).toMatch(/az role assignment list/);
    expect(r.stdout).toMatch(/acmeacr\.azurecr\.io/);
    // the checks name the registry the text names, and each check is listed once
    expect(r.stdout).toContain('az acr show -n acmeacr --query roleAssignmentMode');
    const checks = r.stdout.split('\n').filter((l) => l.trim().startsWith('$ '));
    expect(new Set(checks).size).toBe(checks.length);
  });

  it('AuthorizationFailed: caller, action and scope are extracted', async () => {
    const msg =
      "The client 'deployer@contoso.com' with object id '9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b' does not have authorization to perform action 'Microsoft.App/containerApps/write' over scope '/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/resourceGroups/web-rg/providers/Microsoft.App/containerApps/web' or the scope is invalid.";
    const r = await run([
      'diagnose',
      '--message',
      JSON.stringify({ error: { code: 'AuthorizationFailed', message: msg } }),
      '--json',
    ]);
    const doc = JSON.parse(r.stdout) as { triage: { candidates: string[]; facts: string[] } };
    expect(doc.triage.candidates).toContain('arm-authz/missing-role');
    expect(doc.triage.facts).toEqual(
      expect.arrayContaining([
        'caller object id: 9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b',
        'denied action: Microsoft.App/containerApps/write',
      ]),
    );
  });

  it('AuthorizationFailed: fills in caller, action and scope, and names the least-privilege role (issue 15)', async () => {
    const scope =
      '/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/resourceGroups/ops-rg/providers/Microsoft.Compute/virtualMachines/vm1';
    const msg = `The client 'ci@contoso.com' with object id '8f9a0b1c-2d3e-4f4a-9b5c-6d7e8f9a0b1c' does not have authorization to perform action 'Microsoft.Compute/virtualMachines/write' over scope '${scope}' or the scope is invalid.`;
    const r = await run(['diagnose', '--message', msg, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      triage: {
        caller: unknown;
        action: string;
        scope: string;
        leastPrivilegeRole: { roleName: string };
        facts: string[];
      };
    };
    expect(doc.triage).toMatchObject({
      caller: { objectId: '8f9a0b1c-2d3e-4f4a-9b5c-6d7e8f9a0b1c', client: 'ci@contoso.com' },
      action: 'Microsoft.Compute/virtualMachines/write',
      scope,
      leastPrivilegeRole: { roleName: 'Virtual Machine Contributor' },
    });
    expect(doc.triage.facts.join('\n')).toContain('Virtual Machine Contributor');
  });

  it('RequestDisallowedByPolicy is policy-denied offline, naming the assignment and the effect', async () => {
    const assignment =
      '/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/providers/Microsoft.Authorization/policyAssignments/no-admin';
    const body = {
      error: {
        code: 'RequestDisallowedByPolicy',
        target: 'opsacr',
        message: "Resource 'opsacr' was disallowed by policy.",
        additionalInfo: [
          { type: 'PolicyViolation', info: { policyAssignmentId: assignment, policyDefinitionEffect: 'deny' } },
        ],
      },
    };
    const r = await run(['diagnose', '--message', JSON.stringify(body), '--json']);
    const doc = JSON.parse(r.stdout) as { triage: { kind: string; facts: string[] } };
    expect(doc.triage.kind).toBe('arm-authz/policy-denied');
    expect(doc.triage.facts).toEqual(expect.arrayContaining([`policy assignment: ${assignment}`, 'effect: deny']));
  });

  it('an event file with no error text says that only --live can decide', async () => {
    const r = await run(['diagnose', '--event', LOCAL_SEED_EVENT]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--live/);
  });

  it.each([[['diagnose']], [['diagnose', '--message', 'a', '--event', 'b.json']], [['diagnose', '--message', '  ']]])(
    'bad input %j → exit 2',
    async (argv) => {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.stderr.length).toBeGreaterThan(0);
    },
  );
});

describe('remediator demo', () => {
  it('runs a bundled scenario in dry-run, auto-fix and approve, posts to the webhook sink and writes the preview page', async () => {
    const out = join(tmp, 'demo');
    const r = await run(['demo', '--only', 'seed-story', '--out', out, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      runs: Array<{ scenario: string; mode: string; outcomes: Outcome[]; awaitingApproval?: Outcome[] }>;
      previews: string;
      messages: number;
    };
    expect(doc.runs.map((x) => x.mode)).toEqual(['dry-run', 'auto-fix', 'approve']);
    expect(doc.runs[0]?.outcomes[0]?.actions?.every((a) => a.status === 'planned')).toBe(true);
    expect(doc.runs[1]?.outcomes[0]?.heal?.status).toBe('healed');
    // Approve mode: the message offered the fixes (nothing written), then the approval applied them and it healed.
    const approve = doc.runs[2]!;
    expect(approve.awaitingApproval?.[0]?.actions?.map((a) => a.status)).toEqual([
      'awaiting-approval',
      'awaiting-approval',
    ]);
    expect(approve.outcomes[0]?.actions?.map((a) => a.status)).toEqual(['applied', 'applied']);
    expect(approve.outcomes[0]?.approvedBy).toBeTruthy();
    expect(approve.outcomes[0]?.heal?.status).toBe('healed');
    expect(doc.messages).toBeGreaterThanOrEqual(2);
    expect(readFileSync(doc.previews, 'utf8')).toContain('acr-pull/missing-role');
  });
});

describe('remediator (dispatch) and the bin', () => {
  it('unknown command → 2 with usage; --help → 0', async () => {
    const bad = await run(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command 'frobnicate'/);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/simulate/);
  });

  it.each(Object.keys(COMMANDS).map((c) => [c]))(
    '`remediator %s --help` exits 0 with usage, options and an example, within 120 columns',
    async (command) => {
      for (const argv of [
        [command, '--help'],
        [command, '-h'],
        ['help', command],
      ]) {
        const r = await run(argv);
        expect({ argv, code: r.code, stderr: r.stderr }).toEqual({ argv, code: 0, stderr: '' });
        expect(r.stdout).toMatch(new RegExp(`^remediator ${command} — `));
        expect(r.stdout).toMatch(new RegExp(`\\nusage: remediator ${command}\\b`));
        expect(r.stdout).toMatch(/\noptions:\n {2}--/);
        expect(r.stdout).toMatch(new RegExp(`\\nexample:\\n {2}remediator ${command}\\b`));
        for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(120);
      }
      // --help wins over anything else on the line (no Azure, no files touched).
      expect((await run([command, '--no-such-flag', '--help'])).code).toBe(0);
    },
  );

  it('replay refuses an unreadable file before touching Azure', async () => {
    const r = await run(['replay', '--file', join(tmp, 'missing.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read/);
  });

  it('the installed bin runs (child process)', () => {
    const out = execFileSync(
      process.execPath,
      [
        join(ROOT, 'bin/remediator.js'),
        'diagnose',
        '--message',
        'NAME_UNKNOWN: repository name not known to registry',
        '--json',
      ],
      {
        encoding: 'utf8',
      },
    );
    expect((JSON.parse(out) as { triage: { kind: string } }).triage.kind).toBe('acr-pull/image-not-found');
  });
});

describe('remediator simulate with a batch', () => {
  it('one failure reported by a repeated event, another event and a CloudEvent: one story, the rest duplicate', async () => {
    const seed = JSON.parse(readFileSync(LOCAL_SEED_EVENT, 'utf8')) as Record<string, unknown> & {
      eventType: string;
      topic: string;
      subject: string;
      eventTime: string;
      data: unknown;
    };
    const cloudEvent = {
      specversion: '1.0',
      type: seed.eventType,
      source: seed.topic,
      subject: seed.subject,
      id: 'ce-1',
      time: seed.eventTime,
      datacontenttype: 'application/json',
      data: seed.data,
    };
    const p = join(tmp, 'batch.json');
    writeFileSync(p, JSON.stringify([seed, seed, { ...seed, id: 'another-event' }, cloudEvent]));
    const r = await run(['simulate', '--world', LOCAL_SEED_WORLD, '--event', p, '--mode', 'auto-fix', '--json']);
    expect(r.code).toBe(0);
    const { outcomes } = JSON.parse(r.stdout) as { outcomes: Outcome[] };
    expect(outcomes.map((o) => o.status)).toEqual(['diagnosed', 'duplicate', 'duplicate', 'duplicate']);
    expect(outcomes[0]?.heal?.status).toBe('healed');
    // the heal belongs to the outcome that did the work, not to a redelivery of the same event id
    expect(outcomes.slice(1).map((o) => o.heal)).toEqual([undefined, undefined, undefined]);
    expect(outcomes.slice(1).map((o) => o.diagnosis)).toEqual([undefined, undefined, undefined]);
  });
});

describe('remediator diagnose --message says it as a person needs it', () => {
  const PULL =
    "Failed to provision revision for container app 'web'. Error details: Field 'template.containers.api.image' is invalid with details: 'Invalid value: \"acmeacr.azurecr.io/api:latest\": GET https:?scope=repository%3Aapi%3Apull&service=acmeacr.azurecr.io: UNAUTHORIZED: authentication required'";
  const APP =
    '/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/resourceGroups/web-rg/providers/Microsoft.App/containerApps/web';
  const AUTHZ = `The client 'x@contoso.com' with object id '9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b' does not have authorization to perform action 'Microsoft.App/containerApps/write' over scope '${APP}' or the scope is invalid.`;

  it('fills in every value the text names (no APP, CALLER, SCOPE, ACTION, REGISTRY placeholders) and names the --live command', async () => {
    const pull = await run(['diagnose', '--message', PULL]);
    expect(pull.code).toBe(0);
    const pullChecks = pull.stdout.split('\n').filter((l) => l.startsWith('  $ az'));
    expect(pullChecks.length).toBeGreaterThan(0);
    for (const c of pullChecks) expect(c).not.toMatch(/\b(APP|REGISTRY|SERVER)\b(?!_)/);
    expect(pull.stdout).toContain('az containerapp show -n web -g RG');
    expect(pull.stdout).toMatch(/the text does not say RG/);
    expect(pull.stdout).toMatch(
      /\$ remediator diagnose --live --app "\$\(az containerapp show -n web -g RG --query id -o tsv\)"/,
    );

    const authz = await run(['diagnose', '--message', AUTHZ]);
    for (const c of authz.stdout.split('\n').filter((l) => l.startsWith('  $ '))) {
      expect(c).not.toMatch(/\b(CALLER|SCOPE|ACTION)\b/);
    }
    expect(authz.stdout).toContain('az role assignment list --assignee 9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b --all');
    // Questions are not printed as shell commands.
    expect(authz.stdout).toMatch(/^ {2}• Which managed application/m);
    expect(authz.stdout).toContain(`$ remediator diagnose --live --app ${APP} --message "$ERROR_TEXT"`);
  });

  it('says plainly when it does not recognise the text, without sending the reader back to diagnose --message', async () => {
    const r = await run(['diagnose', '--message', 'something odd happened']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /means: Not recognised: this text is neither an image pull error nor an AuthorizationFailed/,
    );
    expect(r.stdout).not.toMatch(/Run `remediator diagnose --message/);
  });

  it('--live without an Azure login says "run `az login`", not the credential chain', () => {
    const login = describeLoginProblem(
      Object.assign(new Error('ChainedTokenCredential authentication failed.\nCredentialUnavailableError: …'), {
        name: 'AggregateAuthenticationError',
      }),
    );
    expect(login).toMatch(/^no Azure login found: run `az login`/);
    expect(describeLoginProblem(new Error('wrapped', { cause: { name: 'CredentialUnavailableError' } }))).toBe(login);
    expect(describeLoginProblem(new Error('ECONNRESET'))).toBeUndefined();
  });

  it('logs read as sentences at a terminal, JSON elsewhere', () => {
    let text = '';
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => (text += c.toString()));
    humanLogStream(stream).write(
      '{"level":"warn","time":"2026-01-01T00:00:00Z","msg":"no queue configured","queue":"heal"}\n',
    );
    expect(text).toBe('warn: no queue configured (queue=heal)\n');
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    const io: CliIo = { stdout: new PassThrough(), stderr: tty, env: {}, cwd: ROOT };
    expect(logDestination(io, false)).not.toBe(tty);
    expect(logDestination(io, true)).toBe(tty);
    const pipe = new PassThrough();
    expect(logDestination({ ...io, stderr: pipe }, false)).toBe(pipe);
  });
});
