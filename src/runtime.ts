/**
 * The real dependencies of the Function app, built lazily once per process from the app settings.
 *
 * Built: config (loadConfig(process.env)), logger (pino JSON to stdout, configured secrets scrubbed), clock,
 * ARM port (createSdkArmPort over the real SDK clients, DefaultAzureCredential with the user-assigned identity's
 * client id), state store (createStore: Table Storage or the in-memory fallback), heal scheduler
 * (createHealScheduler: the storage queue), notifier (createNotifierFromConfig: only when a webhook URL is configured).
 * `extend` may add or replace any of them.
 *
 * A configuration error is logged once, with every problem, and every invocation then fails with it: nothing
 * half-configured runs.
 */
import type { TokenCredential } from '@azure/identity';
import { loadConfig, type Config } from './config';
import { describeError } from './errors';
import { createLogger } from './logging';
import { systemClock, type Clock } from './model';
import type { PipelineDeps } from './pipeline';
import { buildDeps } from './compose';
import type * as TelemetrySdk from './adapters/telemetry-sdk';
import type { TelemetryHandle } from './adapters/telemetry-sdk';

/** Is telemetry configured? (APPLICATIONINSIGHTS_CONNECTION_STRING, which infra sets.) Nothing of the SDK loads otherwise. */
export function isTelemetryConfigured(env: Record<string, string | undefined>): boolean {
  return Boolean(env['APPLICATIONINSIGHTS_CONNECTION_STRING']?.trim());
}

export type RuntimeBase = Pick<PipelineDeps, 'arm' | 'clock' | 'log' | 'config' | 'store'>;

export type RuntimeExtension = { [K in keyof PipelineDeps]?: PipelineDeps[K] | undefined };

export interface RuntimeOptions {
  env?: Record<string, string | undefined>;
  /** Default: DefaultAzureCredential({ managedIdentityClientId: AZURE_CLIENT_ID }). */
  credential?: TokenCredential;
  clock?: Clock;
  /** PEM of an extra CA to trust for ARM (the local emulator's self-signed certificate). */
  tlsCa?: string;
  /** SDK retry options for ARM (tests use short delays). */
  armRetryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  /** Where log lines go (default stdout, which the Functions host collects). */
  logDestination?: NodeJS.WritableStream;
  /**
   * Start the Azure Monitor distro when APPLICATIONINSIGHTS_CONNECTION_STRING is set (default true; once per process).
   * Tests that register their own providers pass false and `otelLogs: true`.
   */
  telemetry?: boolean;
  /** Emit log lines as OpenTelemetry log records (default: when telemetry is configured). */
  otelLogs?: boolean;
  /** Adds or replaces parts (scheduler, notifier, ...); `notifier: undefined` switches notifications off. */
  extend?: (base: RuntimeBase) => Promise<RuntimeExtension>;
}

/** The secrets in a config (scrubbed verbatim from every log line). */
export function listConfigSecrets(config: Readonly<Config>): string[] {
  const out: string[] = [];
  if (config.teamsWebhookUrl) out.push(config.teamsWebhookUrl);
  if (config.slackWebhookUrl) out.push(config.slackWebhookUrl);
  if (config.storage.kind === 'connection-string') out.push(config.storage.connectionString);
  if (config.approval.signingKey) out.push(config.approval.signingKey);
  if (config.approval.slackSigningSecret) out.push(config.approval.slackSigningSecret);
  return out;
}

/** Build the deps once (no caching). Throws ConfigError with every problem when the settings are invalid. */
export async function buildRuntimeDeps(opts: RuntimeOptions = {}): Promise<PipelineDeps> {
  const env = opts.env ?? process.env;
  const config = loadConfig(env);
  const telemetryOn = isTelemetryConfigured(env);
  const log = createLogger({
    level: config.logLevel,
    secrets: listConfigSecrets(config),
    otelLogs: opts.otelLogs ?? telemetryOn,
    ...(opts.logDestination ? { destination: opts.logDestination } : {}),
  });
  const clock = opts.clock ?? systemClock;
  const credential = opts.credential ?? (await createDefaultCredential(config.azureClientId));
  if (telemetryOn && opts.telemetry !== false) {
    // Loaded only here (require, not import(): this package compiles to CommonJS), so nothing of the SDK loads unless
    // telemetry is configured.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sdk = require('./adapters/telemetry-sdk') as typeof TelemetrySdk;
    telemetryStarted ??= sdk
      .startAzureMonitorTelemetry({
        connectionString: env['APPLICATIONINSIGHTS_CONNECTION_STRING'] ?? '',
        credential,
        secrets: listConfigSecrets(config),
      })
      .catch((err: unknown) => {
        log.error({ err: describeError(err) }, 'telemetry could not start; running without it');
        return undefined;
      });
    await telemetryStarted;
  }
  const built = await buildDeps({
    config,
    log,
    clock,
    credential,
    arm: {
      ...(opts.tlsCa ? { tlsCa: opts.tlsCa } : {}),
      ...(opts.armRetryOptions ? { retryOptions: opts.armRetryOptions } : {}),
    },
    storeOptions: { credential, clock },
    queueCredential: credential,
  });
  const { arm, store, scheduler, notifier } = built;
  const base: RuntimeBase = { arm, clock, log, config, store };
  const extra: RuntimeExtension = opts.extend ? await opts.extend(base) : {};
  const finalNotifier = 'notifier' in extra ? extra.notifier : notifier;
  const deps: PipelineDeps = {
    arm: extra.arm ?? arm,
    clock: extra.clock ?? clock,
    log: extra.log ?? log,
    config: extra.config ?? config,
    store: extra.store ?? store,
    scheduler: extra.scheduler ?? scheduler,
  };
  if (finalNotifier) deps.notifier = finalNotifier;
  if (extra.concurrency !== undefined) deps.concurrency = extra.concurrency;
  return deps;
}

async function createDefaultCredential(clientId: string | undefined): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}

let cached: Promise<PipelineDeps> | undefined;
let telemetryStarted: Promise<TelemetryHandle | undefined> | undefined;
let runtimeOptions: RuntimeOptions = {};

/** Set what getRuntimeDeps builds with (before the first invocation; e.g. the lead's `extend`). */
export function configureRuntime(opts: RuntimeOptions): void {
  runtimeOptions = opts;
  cached = undefined;
}

/** The process-wide deps: built on first use, then shared. A failed build is rebuilt at the next call. */
export function getRuntimeDeps(): Promise<PipelineDeps> {
  if (cached === undefined) {
    const building = buildRuntimeDeps(runtimeOptions);
    cached = building;
    // A failed start-up (a storage blip creating the tables) is not remembered: the next invocation builds again.
    // A configuration error fails every build the same way, so nothing half-configured runs either way.
    building.catch(() => {
      if (cached === building) cached = undefined;
    });
  }
  return cached;
}

export { checkConfigAtStartup } from './config-check';
