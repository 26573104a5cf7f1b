/**
 * `remediator doctor [--scope ID]... [--principal-id OID] [--expect-mode dry-run|auto-fix|approve] [--json]`: a read-only
 * preflight with the remediator's identity (DefaultAzureCredential with AZURE_CLIENT_ID, as the Functions use; or the
 * local emulator, see arm-target.ts). Reads the same app settings as the Functions (environment), prints a ✔/✖
 * checklist with the fix for each ✖, exits 1 when anything is wrong. Never writes, never posts, never prints a
 * webhook URL or a connection string.
 */
import type { TokenCredential } from '@azure/identity';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config';
import {
  listVisibleSubscriptions,
  principalOfCredential,
  readAssignmentsOf,
  readEventSubscriptions,
  readScope,
  readStorage,
  type ArmReadOptions,
} from '../adapters/doctor-probes';
import { evaluateDoctor, type Check, type DoctorFacts, type Probe } from '../doctor/checks';
import { describeErrorMessage } from '../errors';
import { resolveArmTarget } from './arm-target';
import { painter, type CliIo, writeLine } from './io';

export const DOCTOR_USAGE = `usage: remediator doctor [--scope ID]... [--principal-id OID] [--expect-mode dry-run|auto-fix|approve] [--json]

Read-only preflight with the remediator's identity and app settings (run it after azd up):
  - each scope (--scope, else REMEDIATOR_ALLOWED_SCOPES, else every visible subscription): registries and role
    assignments can be listed;
  - its Role Based Access Control Administrator assignments carry the ABAC condition limited to the two pull roles;
  - the Event Grid subscription to eventGridFailures exists, is filtered to the handled events and dead-letters;
  - the claims and audit tables and the heal queue are reachable;
  - webhook settings are present and well-formed (never posted to, never printed);
  - mode and guardrails (--expect-mode: fail when the mode is not the one you expect).
Exit 0 when every check passes (warnings allowed), 1 when any fails, 2 on usage errors.`;

export interface DoctorOptions {
  /** Credential (tests); default: from arm-target (DefaultAzureCredential, or the emulator's). */
  credential?: TokenCredential;
  /** Credential for identity-based storage (default: the ARM one). */
  storageCredential?: TokenCredential;
  retryOptions?: ArmReadOptions['retryOptions'];
}

async function settle<T>(run: () => Promise<T>): Promise<Probe<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    return { ok: false, error: describeErrorMessage(err).split('\n')[0] ?? 'error' };
  }
}

export async function gatherFacts(
  io: Pick<CliIo, 'env'>,
  flags: { scopes: string[]; principalId?: string; expectMode?: string },
  opts: DoctorOptions = {},
): Promise<DoctorFacts> {
  let config: Readonly<Config>;
  try {
    config = loadConfig(io.env);
  } catch (err) {
    const error = err instanceof ConfigError ? err.problems.join('; ') : describeErrorMessage(err);
    return {
      config: { ok: false, error },
      scopes: [],
      eventSubscriptions: { ok: true, value: [] },
      storage: [],
      webhooks: {},
    };
  }
  const resolved = resolveArmTarget(config, io.env);
  const tlsCa = resolved.tlsCa;
  const target = { credential: opts.credential ?? resolved.credential };
  const arm: ArmReadOptions = {
    endpoint: config.armEndpoint,
    credential: target.credential,
    ...(tlsCa !== undefined ? { tlsCa } : {}),
    ...(opts.retryOptions ? { retryOptions: opts.retryOptions } : {}),
  };
  const principalId =
    flags.principalId ?? (await principalOfCredential(arm.credential, arm.endpoint).catch(() => undefined));
  const scopesProbe = await settle(async () =>
    flags.scopes.length
      ? flags.scopes
      : config.allowedScopes.length
        ? [...config.allowedScopes]
        : await listVisibleSubscriptions(arm),
  );
  const scopes = scopesProbe.ok ? scopesProbe.value : [];
  const scopeFacts = await Promise.all(scopes.map((s) => readScope(arm, s)));
  const assignments = principalId ? await settle(() => readAssignmentsOf(arm, scopes, principalId)) : undefined;
  return {
    config: { ok: true, value: config },
    ...(principalId ? { principalId } : {}),
    scopes: scopesProbe.ok
      ? scopeFacts
      : [{ scope: '(subscriptions)', registries: scopesProbe, roleAssignments: scopesProbe }],
    ...(assignments?.ok ? { assignments: assignments.value } : {}),
    eventSubscriptions: await settle(() => readEventSubscriptions(arm, scopes)),
    storage: await readStorage(config, opts.storageCredential ?? arm.credential),
    webhooks: {
      ...(config.teamsWebhookUrl ? { teams: config.teamsWebhookUrl } : {}),
      ...(config.slackWebhookUrl ? { slack: config.slackWebhookUrl } : {}),
    },
    ...(flags.expectMode ? { expectMode: flags.expectMode } : {}),
  };
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

export async function runDoctor(argv: string[], io: CliIo, opts: DoctorOptions = {}): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scope: { type: 'string', multiple: true },
      'principal-id': { type: 'string' },
      'expect-mode': { type: 'string' },
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
