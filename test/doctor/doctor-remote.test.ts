/**
 * The deployment's smoke check: `remediator doctor --remote` finds the Function app and its function key through ARM
 * (the real App Service SDK client against the emulator's `Microsoft.Web/sites` + `host/default/listkeys`), calls the
 * app's own `doctor` function over HTTPS, and prints what the app found with its identity and settings. The "app" is a
 * local HTTPS server that checks the function key as the Functions host does and runs the real `doctor` handler
 * (src/functions/doctor.ts) with the deployed settings. The key and the webhook URLs are never printed.
 */
import { WebSiteManagementClient } from '@azure/arm-appservice';
import { HttpRequest, type HttpResponseInit } from '@azure/functions';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { captureOutput } from '../helpers/cli-run';
import { getTlsIdentity } from '../../emulator/cert';
import { loadWorld } from '../../emulator';
import { runDoctor } from '../../src/cli/doctor';
import type { Check } from '../../src/doctor/checks';
import { makeDoctorHandler, makeDoctorTimerHandler } from '../../src/functions/doctor';
import { parseKql } from '../../emulator/kql/parse';
import { runQuery } from '../../emulator/kql/evaluate';
import { createContext } from '../functions/deps';
import { clientOptionsFor, staticCredential } from '../helpers/emulator';
import { REMEDIATOR_OID, remediatorCredential, startDoctorWorld, type DoctorWorld } from './doctor-world';

const APP = 'func-remediator';
const APP_RG = 'rg-remediator';
const SUB = (/^\/subscriptions\/([^/]+)/.exec(
  loadWorld(resolve('test/worlds/seed-story.json')).resources[0]?.id ?? '',
) ?? [])[1] as string;

let world: DoctorWorld;
let host: Server;
let functionKey = '';
/** What the "app" answers before it runs the handler: a host still starting answers 503 without a report. */
let startingAnswers = 0;
let appSettings: Record<string, string> = {};
const seen: Array<{ path: string; key: string | undefined }> = [];

async function answerFromHandler(url: string, headers: Record<string, string>): Promise<HttpResponseInit> {
  const handler = makeDoctorHandler({
    env: appSettings,
    target: () => ({ credential: remediatorCredential, tlsCa: world.emulator.ca }),
  });
  return handler(new HttpRequest({ method: 'GET', url, headers }), createContext('doctor').context);
}

beforeAll(async () => {
  const tls = await getTlsIdentity();
  host = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const key = req.headers['x-functions-key'];
    seen.push({ path: req.url ?? '', key: typeof key === 'string' ? key : undefined });
    if (startingAnswers > 0) {
      startingAnswers--;
      res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>Function host is not running.</h1>');
      return;
    }
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    if (url.pathname !== '/api/doctor') return void res.writeHead(404).end();
    if (!functionKey || key !== functionKey) return void res.writeHead(401).end();
    void answerFromHandler(url.href, { 'x-functions-key': key }).then((r) => {
      res.writeHead(r.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(r.jsonBody));
    });
  });
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
  const port = (host.address() as AddressInfo).port;
  world = await startDoctorWorld([
    {
      id: `/subscriptions/${SUB}/resourceGroups/${APP_RG}/providers/Microsoft.Web/sites/${APP}`,
      type: 'Microsoft.Web/sites',
      kind: 'functionapp,linux',
      location: 'westeurope',
      properties: { state: 'Running', defaultHostName: `127.0.0.1:${port}`, enabled: true },
    },
  ]);
  await world.wireEventGrid();
  appSettings = world.env();
  // The Functions host's key, as Azure made it: read through the same SDK call an operator's tool uses.
  const web = new WebSiteManagementClient(staticCredential, SUB, clientOptionsFor(world.emulator));
  functionKey = (await web.webApps.listHostKeys(APP_RG, APP)).functionKeys?.['default'] ?? '';
}, 60_000);

afterAll(async () => {
  await world?.stop();
  await new Promise((r) => host?.close(r));
});

/** The operator's shell in the azd hook: the azd environment's values and the emulator as ARM. */
function operatorEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ARM_ENDPOINT: world.emulator.endpoint,
    REMEDIATOR_EMULATOR_CA: world.emulator.caPath,
    AZURE_FUNCTION_APP_NAME: APP,
    AZURE_RESOURCE_GROUP: APP_RG,
    AZURE_SUBSCRIPTION_ID: SUB,
    ...extra,
  };
}

async function remote(args: string[], env = operatorEnv()) {
  const c = captureOutput();
  const code = await runDoctor(
    ['--remote', ...args],
    { stdout: c.stdout, stderr: c.stderr, env, cwd: process.cwd() },
    {
      remote: { attempts: 4, retryDelayMs: 20, timeoutMs: 30_000 },
    },
  );
  return { code, out: c.out(), err: c.err() };
}

describe('remediator doctor --remote: the app runs its own checks (azd smoke check)', () => {
  it('finds the app and its key through ARM, and prints what the app found with its identity (exit 0)', async () => {
    seen.length = 0;
    const { code, out, err } = await remote([]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(`doctor, run by ${APP} in Azure (its identity ${REMEDIATOR_OID})`);
    expect(out).toMatch(/✔ identity: runs as principal/);
    expect(out).toMatch(/✔ .*remediator-arm-failures/);
    expect(out).toMatch(/all \d+ checks passed/);
    expect(seen).toEqual([{ path: '/api/doctor', key: functionKey }]);
    expect(out).not.toContain(functionKey);
    expect(out).not.toMatch(/TopSecretSignature|SlackSecretToken|AccountKey/);
  });

  it('a wiring fault in Azure is a ✖ with its fix and exit 1; --json carries the app and the checks', async () => {
    await world.wireEventGrid({ deadLetter: false });
    const { code, out } = await remote(['--json', '--expect-mode', 'auto-fix']);
    expect(code).toBe(1);
    const report = JSON.parse(out) as { ok: boolean; app: string; principalId: string; checks: Check[] };
    expect(report).toMatchObject({ ok: false, app: APP, principalId: REMEDIATOR_OID });
    const failed = report.checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => c.id).sort()).toEqual(['dead-letter:remediator-arm-failures', 'mode']);
    expect(failed.every((c) => typeof c.fix === 'string' && c.fix.length > 0)).toBe(true);
    expect(out).not.toContain(functionKey);
    await world.wireEventGrid();
  });

  it('waits for a host that is still starting (503 without a report), saying so', async () => {
    startingAnswers = 2;
    const { code, out, err } = await remote([]);
    expect(code).toBe(0);
    expect(out).toMatch(/all \d+ checks passed/);
    expect(err.match(/did not answer a report yet \(HTTP 503/g)).toHaveLength(2);
    expect(err).not.toContain(functionKey);
  });

  it('gives up with exit 1 and the reason when the app never answers a report', async () => {
    startingAnswers = 10;
    const { code, err } = await remote([]);
    startingAnswers = 0;
    expect(code).toBe(1);
    expect(err).toMatch(/✖ doctor on func-remediator: .*no doctor report after 4 attempt\(s\) \(HTTP 503/);
  });

  it('an unknown app is the ARM error, not a crash; missing names are a usage error', async () => {
    const { code, err } = await remote(['--app', 'func-nope']);
    expect(code).toBe(1);
    expect(err).toMatch(/✖ doctor on func-nope: .*(ResourceNotFound|was not found)/);
    await expect(remote([], operatorEnv({ AZURE_RESOURCE_GROUP: '' }))).rejects.toThrow(
      /--remote needs --resource-group \(or AZURE_RESOURCE_GROUP\)/,
    );
  });

  it('the handler refuses an unknown expectMode with 400', async () => {
    const r = await answerFromHandler('https://127.0.0.1/api/doctor?expectMode=yolo', {});
    expect(r.status).toBe(400);
  });
});

describe('the azd postdeploy hook (infra/hooks/postdeploy.sh) runs the smoke check', () => {
  /** Run the hook as azd would, with `azd` itself a recorder on PATH (azd cannot be installed here). */
  async function runHook(extra: Record<string, string>) {
    const bin = mkdtempSync(join(tmpdir(), 'azd-'));
    const calls = join(bin, 'calls');
    writeFileSync(calls, '');
    writeFileSync(join(bin, 'azd'), `#!/bin/sh\necho "$@" >> "${calls}"\n`, { mode: 0o755 });
    const env = {
      ...operatorEnv(),
      PATH: `${bin}:${process.env['PATH'] ?? ''}`,
      HOME: process.env['HOME'] ?? bin,
      ...extra,
    };
    const r = await new Promise<{ code: number; out: string; err: string }>((done) => {
      execFile('sh', ['infra/hooks/postdeploy.sh'], { env, timeout: 120_000 }, (error, stdout, stderr) =>
        done({ code: error ? Number(error.code ?? 1) : 0, out: stdout, err: stderr }),
      );
    });
    return { ...r, azd: readFileSync(calls, 'utf8') };
  }

  it("wires the events, then prints the app's own checklist (exit 0)", async () => {
    const r = await runHook({ DEPLOY_EVENT_WIRING: 'false', REMEDIATOR_MODE: 'dry-run' });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.azd).toBe('env set DEPLOY_EVENT_WIRING true\nprovision --no-prompt\n');
    expect(r.out).toContain(`doctor, run by ${APP} in Azure`);
    expect(r.out).toMatch(/all \d+ checks passed/);
    expect(r.out + r.err).not.toContain(functionKey);
  }, 150_000);

  it('fails the deployment with the fix when the app finds a fault (here: the mode is not the one deployed)', async () => {
    const r = await runHook({ DEPLOY_EVENT_WIRING: 'true', REMEDIATOR_MODE: 'auto-fix' });
    expect(r.code).toBe(1);
    expect(r.azd).toBe('');
    expect(r.out).toMatch(/✖ mode and guardrails: expected mode auto-fix, the settings say mode dry-run/);
    expect(r.err).toMatch(/The smoke check found a problem/);
  }, 150_000);

  it('can be skipped with REMEDIATOR_SMOKE_CHECK=false', async () => {
    startingAnswers = 0;
    seen.length = 0;
    const r = await runHook({ DEPLOY_EVENT_WIRING: 'true', REMEDIATOR_SMOKE_CHECK: 'false' });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Smoke check skipped/);
    expect(seen).toEqual([]);
  }, 150_000);
});

describe('doctorSchedule: the same checks every 6 hours, watched by the doctorFailed alert rule', () => {
  const rule = (
    JSON.parse(readFileSync(join('infra', 'alert-rules.json'), 'utf8')) as {
      rules: Record<string, { query: string }>;
    }
  ).rules['doctorFailed']!;
  /** The rule's filter (its `where`, evaluated by the emulator's KQL reader) over these `traces` messages. */
  const matched = (messages: string[]): number => {
    const filter = rule.query.split('\n| summarize')[0]!;
    return runQuery(
      parseKql(filter),
      messages.map((message) => ({ message })),
    ).length;
  };
  const tick = async () => {
    const { context, logs } = createContext('doctorSchedule');
    await makeDoctorTimerHandler({
      env: appSettings,
      target: () => ({ credential: remediatorCredential, tlsCa: world.emulator.ca }),
    })(
      { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } },
      context,
    );
    return logs;
  };

  it('a healthy deployment logs one passing line, which the rule does not match', async () => {
    const logs = await tick();
    expect(logs.filter((l) => l.level === 'warning')).toEqual([]);
    const line = logs.find((l) => l.text.startsWith('doctor: '))!.text;
    expect(line).toMatch(/^doctor: all \d+ checks passed$/);
    expect(matched([line])).toBe(0);
  });

  it('a fault found later is a warning naming the check and its fix, which the rule matches; no secret', async () => {
    await world.unwireEventGrid();
    const logs = await tick();
    await world.wireEventGrid();
    const warnings = logs.filter((l) => l.level === 'warning').map((l) => l.text);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^doctor: 1 check\(s\) failed: .*Event Grid subscription.*fix: /);
    expect(matched(warnings)).toBe(1);
    expect(logs.map((l) => l.text).join('\n')).not.toMatch(/TopSecretSignature|SlackSecretToken|AccountKey/);
  });
});
