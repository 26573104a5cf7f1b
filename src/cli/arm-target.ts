/**
 * Which ARM the CLI's live commands (`replay`, `diagnose --live`) talk to, and with what credential.
 * - Azure (default): DefaultAzureCredential — the operator's `az login`, environment or managed identity.
 * - The local ARM emulator: when ARM_ENDPOINT is a loopback https URL, the emulator's CA is read from
 *   REMEDIATOR_EMULATOR_CA (the `caPath` that `remediator emulator` prints) and its static token is used.
 *   A loopback endpoint never receives an Azure token.
 */
import { readFileSync } from 'node:fs';
import type { TokenCredential } from '@azure/identity';
import { DefaultAzureCredential } from '@azure/identity';
import type { Config } from '../config';
import { staticTokenCredential } from '../local/static-credential';
import { UsageError } from './io';

export interface ArmTarget {
  credential: TokenCredential;
  tlsCa?: string;
  emulator: boolean;
}

export function isLoopbackEndpoint(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}

export function resolveArmTarget(
  config: Pick<Config, 'armEndpoint' | 'azureClientId'>,
  env: Record<string, string | undefined>,
): ArmTarget {
  if (!isLoopbackEndpoint(config.armEndpoint)) {
    return {
      credential: new DefaultAzureCredential(
        config.azureClientId ? { managedIdentityClientId: config.azureClientId } : {},
      ),
      emulator: false,
    };
  }
  const caPath = env['REMEDIATOR_EMULATOR_CA'];
  if (!caPath)
    throw new UsageError(
      `ARM_ENDPOINT ${config.armEndpoint} is the local emulator: set REMEDIATOR_EMULATOR_CA to the caPath it printed`,
    );
  let tlsCa: string;
  try {
    tlsCa = readFileSync(caPath, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read REMEDIATOR_EMULATOR_CA ${caPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  return { credential: staticTokenCredential(), tlsCa, emulator: true };
}

/** The credential chain found no login (no `az login`, no environment credentials, no managed identity). */
const LOGIN_ERRORS = new Set([
  'AggregateAuthenticationError',
  'CredentialUnavailableError',
  'AuthenticationRequiredError',
]);

/**
 * When `err` (or its cause) says the operator has no Azure login, one sentence saying what to do — instead of the raw
 * credential chain; undefined for any other error.
 */
export function describeLoginProblem(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    const { name, message } = e as { name?: unknown; message?: unknown };
    if (
      (typeof name === 'string' && LOGIN_ERRORS.has(name)) ||
      (typeof message === 'string' &&
        /^(ChainedTokenCredential|DefaultAzureCredential) authentication failed/.test(message))
    )
      return (
        'no Azure login found: run `az login` (and `az account set -s SUBSCRIPTION`), or set AZURE_TENANT_ID, ' +
        'AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal; this command reads ARM with your login'
      );
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
