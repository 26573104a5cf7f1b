/**
 * `remediator doctor [--scope ID]... [--principal-id OID] [--expect-mode dry-run|auto-fix|approve] [--json]`: a read-only
 * preflight with the remediator's identity (DefaultAzureCredential with AZURE_CLIENT_ID, as the Functions use; or the
 * local emulator, see arm-target.ts). Reads the same app settings as the Functions (environment), prints a ✔/✖
 * checklist with the fix for each ✖, exits 1 when anything is wrong. Never writes, never posts, never prints a
 * webhook URL or a connection string.
 */
import type { TokenCredential } from '@azure/identity';
import { parseArgs } from 'node:util';
import { gatherFacts as gatherDoctorFacts } from '../adapters/doctor-facts';
import type { ArmReadOptions } from '../adapters/doctor-probes';
import { evaluateDoctor, type Check, type DoctorFacts } from '../doctor/checks';
import { describeErrorMessage } from '../errors';
import { resolveArmTarget } from './arm-target';
import { fetchRemoteReport, remoteRefOf, type RemoteOptions } from './doctor-remote';
import { painter, type CliIo, UsageError, writeLine } from './io';

export const DOCTOR_USAGE = `usage: remediator doctor [--scope ID]... [--principal-id OID] [--expect-mode dry-run|auto-fix|approve] [--json]
       remediator doctor --remote [--app NAME --resource-group RG --subscription ID] [--expect-mode MODE] [--json]

Read-only preflight with the remediator's identity and app settings (run it after azd up):
  - each scope (--scope, else REMEDIATOR_ALLOWED_SCOPES, else every visible subscription): registries and role
    assignments can be listed;
  - its Role Based Access Control Administrator assignments carry the ABAC condition limited to the two pull roles;
  - the Event Grid subscription to eventGridFailures exists, is filtered to the handled events and dead-letters;
  - the claims and audit tables and the heal queue are reachable;
  - webhook settings are present and well-formed (never posted to, never printed);
  - mode and guardrails (--expect-mode: fail when the mode is not the one you expect).
--remote: the deployed app runs the same checks itself (GET /api/doctor, its managed identity and app settings) and
this prints its answer; your login only finds the app and its function key (defaults: AZURE_FUNCTION_APP_NAME,
AZURE_RESOURCE_GROUP, AZURE_SUBSCRIPTION_ID, as in an azd environment). The azd postdeploy hook runs it.
Exit 0 when every check passes (warnings allowed), 1 when any fails, 2 on usage errors.`;

export interface DoctorOptions {
  /** Credential (tests); default: from arm-target (DefaultAzureCredential, or the emulator's). */
  credential?: TokenCredential;
  /** Credential for identity-based storage (default: the ARM one). */
  storageCredential?: TokenCredential;
  retryOptions?: ArmReadOptions['retryOptions'];
  /** `--remote` retries (tests). */
  remote?: RemoteOptions;
}

export async function gatherFacts(
  io: Pick<CliIo, 'env'>,
  flags: { scopes: string[]; principalId?: string; expectMode?: string },
  opts: DoctorOptions = {},
): Promise<DoctorFacts> {
  return gatherDoctorFacts(io.env, flags, (config) => {
    const resolved = resolveArmTarget(config, io.env);
    return {
      credential: opts.credential ?? resolved.credential,
      ...(resolved.tlsCa !== undefined ? { tlsCa: resolved.tlsCa } : {}),
      ...(opts.storageCredential ? { storageCredential: opts.storageCredential } : {}),
      ...(opts.retryOptions ? { retryOptions: opts.retryOptions } : {}),
    };
  });
}

export function renderChecklist(checks: readonly Check[], paint = painter({}, {})): string {
  const mark = { pass: paint.green('✔'), fail: paint.red('✖'), warn: paint.yellow('⚠') };
  const lines = checks.flatMap((c) => [
    `${mark[c.status]} ${c.title}: ${c.detail}`,
    ...(c.fix && c.status !== 'pass' ? [`    fix: ${c.fix}`] : []),
  ]);
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  lines.push(
    '',
    failed
      ? paint.red(`${failed} check(s) failed, ${warned} warning(s)`)
      : paint.green(`all ${checks.length} checks passed${warned ? ` (${warned} warning(s))` : ''}`),
  );
  return lines.join('\n');
}

async function runRemoteDoctor(
  io: CliIo,
  values: {
    app?: string | undefined;
    'resource-group'?: string | undefined;
    subscription?: string | undefined;
    scope?: string[] | undefined;
    'principal-id'?: string | undefined;
    json?: boolean | undefined;
  },
  expectMode: string | undefined,
  remote: RemoteOptions | undefined,
): Promise<number> {
  if (values.scope?.length || values['principal-id'])
    throw new UsageError("--remote runs the app's own checks: --scope and --principal-id are for a local run");
  const ref = remoteRefOf(io.env, {
    app: values.app,
    resourceGroup: values['resource-group'],
    subscription: values.subscription,
  });
  let fetched: Awaited<ReturnType<typeof fetchRemoteReport>>;
  try {
    fetched = await fetchRemoteReport(io, ref, expectMode ? { expectMode } : {}, remote);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const why = describeErrorMessage(err).split('\n')[0] ?? 'error';
    if (values.json) writeLine(io.stdout, JSON.stringify({ ok: false, app: ref.name, error: why }));
    else writeLine(io.stderr, `✖ doctor on ${ref.name}: ${why}`);
    return 1;
  }
  const { report } = fetched;
  if (values.json) writeLine(io.stdout, JSON.stringify({ ...report, app: ref.name }));
  else {
    const paint = painter(io.stdout, io.env);
    const who = report.principalId ? ` (its identity ${report.principalId})` : '';
    writeLine(io.stdout, paint.bold(`doctor, run by ${ref.name} in Azure${who}:`));
    writeLine(io.stdout, renderChecklist(report.checks, paint));
  }
  return report.ok ? 0 : 1;
}

export async function runDoctor(argv: string[], io: CliIo, opts: DoctorOptions = {}): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scope: { type: 'string', multiple: true },
      'principal-id': { type: 'string' },
      'expect-mode': { type: 'string' },
      remote: { type: 'boolean', default: false },
      app: { type: 'string' },
      'resource-group': { type: 'string' },
      subscription: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    writeLine(io.stdout, DOCTOR_USAGE);
    return 0;
  }
  const expectMode = values['expect-mode'];
  if (expectMode !== undefined && !['dry-run', 'auto-fix', 'approve'].includes(expectMode)) {
    writeLine(io.stderr, `--expect-mode: dry-run, auto-fix or approve, not ${expectMode}\n${DOCTOR_USAGE}`);
    return 2;
  }
  if (values.remote) return runRemoteDoctor(io, values, expectMode, opts.remote);
  const facts = await gatherFacts(
    io,
    {
      scopes: values.scope ?? [],
      ...(values['principal-id'] ? { principalId: values['principal-id'] } : {}),
      ...(expectMode ? { expectMode } : {}),
    },
    opts,
  );
  const checks = evaluateDoctor(facts);
  const ok = !checks.some((c) => c.status === 'fail');
  if (values.json) writeLine(io.stdout, JSON.stringify({ ok, checks }));
  else writeLine(io.stdout, renderChecklist(checks, painter(io.stdout, io.env)));
  return ok ? 0 : 1;
}
