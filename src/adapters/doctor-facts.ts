/**
 * Gather what `remediator doctor` judges (src/doctor/checks.ts), read-only, with one identity: the operator's CLI run
 * (src/cli/doctor.ts) and the deployed app's own `doctor` function (src/functions/doctor.ts, the managed identity and
 * the real app settings) use the same reads, so the smoke check after `azd up` judges what the Functions will do.
 */
import type { TokenCredential } from '@azure/identity';
import { ConfigError, loadConfig, type Config } from '../config';
import type { DoctorFacts, Probe } from '../doctor/checks';
import { describeErrorMessage } from '../errors';
import {
  listVisibleSubscriptions,
  principalOfCredential,
  readAssignmentsOf,
  readEventSubscriptions,
  readScope,
  readStorage,
  type ArmReadOptions,
} from './doctor-probes';

/** Whose eyes and which ARM: the credential the reads use (and the emulator's CA in tests). */
export interface DoctorTarget {
  credential: TokenCredential;
  tlsCa?: string;
  /** Credential for identity-based storage (default: the ARM one). */
  storageCredential?: TokenCredential;
  retryOptions?: ArmReadOptions['retryOptions'];
}

export interface DoctorFlags {
  /** Scopes to check (default: REMEDIATOR_ALLOWED_SCOPES, else every visible subscription). */
  scopes: readonly string[];
  /** Whose role assignments to judge (default: the principal the credential's token was issued to). */
  principalId?: string;
  expectMode?: string;
}

async function settle<T>(run: () => Promise<T>): Promise<Probe<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    return { ok: false, error: describeErrorMessage(err).split('\n')[0] ?? 'error' };
  }
}

/** Settings as the Functions read them (`env`), then every read; never throws for a bad setting (a ✖ instead). */
export async function gatherFacts(
  env: Record<string, string | undefined>,
  flags: DoctorFlags,
  target: (config: Readonly<Config>) => DoctorTarget | Promise<DoctorTarget>,
): Promise<DoctorFacts> {
  let config: Readonly<Config>;
  try {
    config = loadConfig(env);
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
  const t = await target(config);
  const arm: ArmReadOptions = {
    endpoint: config.armEndpoint,
    credential: t.credential,
    ...(t.tlsCa !== undefined ? { tlsCa: t.tlsCa } : {}),
    ...(t.retryOptions ? { retryOptions: t.retryOptions } : {}),
  };
  const principalId =
    flags.principalId ?? (await principalOfCredential(arm.credential, arm.endpoint).catch(() => undefined));
  const scopesProbe = await settle(async () =>
    flags.scopes.length
      ? [...flags.scopes]
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
    storage: await readStorage(config, t.storageCredential ?? arm.credential),
    webhooks: {
      ...(config.teamsWebhookUrl ? { teams: config.teamsWebhookUrl } : {}),
      ...(config.slackWebhookUrl ? { slack: config.slackWebhookUrl } : {}),
    },
    ...(flags.expectMode ? { expectMode: flags.expectMode } : {}),
  };
}
