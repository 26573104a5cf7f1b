/**
 * App settings → validated, typed, frozen config. `loadConfig(env)` reports every problem at once.
 * Every setting is documented in README.md ("Configuration") and listed in local.settings.sample.json and in
 * infra/ (a test holds the three together: `SETTINGS` below is the single list).
 */
import * as z from 'zod';
import { ACTION_TYPES, type ActionType, type RemediatorMode } from './model';

export interface SettingSpec {
  name: string;
  default: string;
  description: string;
  secret?: boolean;
}

/** Every app setting the remediator reads, with its safe default ('' = unset). Order = README order. */
export const SETTINGS: readonly SettingSpec[] = [
  {
    name: 'REMEDIATOR_MODE',
    default: 'dry-run',
    description:
      '`dry-run` writes nothing and reports fixes as planned; `auto-fix` applies allowed fixes; `approve` plans and guards like `auto-fix`, reports the fixes as `awaiting-approval` and writes them only when a person approves from the Teams/Slack message.',
  },
  {
    name: 'REMEDIATOR_ALLOWED_FIX_TYPES',
    default: 'assign-role,redeploy-revision',
    description:
      "Comma-separated fix types that may be applied: `assign-role`, `redeploy-revision`, `enable-arm-token-auth` (off by default: it loosens a registry security setting), `start-job-execution` (off by default: it runs the customer's workload — starts one execution of a manually triggered Container Apps job once it carries the image that failed). `none` allows nothing.",
  },
  {
    name: 'REMEDIATOR_ALLOWED_SCOPES',
    default: '',
    description:
      'Comma-separated ARM scopes (subscriptions, resource groups, registries or apps) where fixes may be written. Empty: everything the remediator identity can read.',
  },
  {
    name: 'REMEDIATOR_FIX_BUDGET_PER_HOUR',
    default: '20',
    description: 'Most fixes (writes) per clock hour (UTC) across all instances; further fixes are `blocked`.',
  },
  {
    name: 'REMEDIATOR_OPT_OUT_TAG',
    default: 'remediator:disable',
    description: 'A tag that, set to `true` on a container app or registry, blocks every fix touching it.',
  },
  {
    name: 'REMEDIATOR_PROPAGATION_WINDOW_MINUTES',
    default: '10',
    description: 'A matching role assignment younger than this is treated as still propagating.',
  },
  {
    name: 'REMEDIATOR_ACTIVITY_LOG_WAIT_MINUTES',
    default: '15',
    description:
      "How long after an Event Grid failure event its Activity Log entry may still be missing (the log lags by minutes, up to about 15): until then the delivery is retried on Event Grid's schedule; after it the failure is `unknown` with that reason.",
  },
  {
    name: 'REMEDIATOR_HEAL_CHECK_DELAY_SECONDS',
    default: '60',
    description: 'Delay before the first check that a redeployed revision runs (queue message visibility delay).',
  },
  {
    name: 'REMEDIATOR_HEAL_CHECK_ATTEMPTS',
    default: '5',
    description: 'How many times the heal check looks before reporting `still-failing`.',
  },
  {
    name: 'REMEDIATOR_HEAL_SCHEDULE',
    default: 'adaptive',
    description:
      'After a role grant: `adaptive` redeploys on a backoff from the grant (1, 3, 7, 15 … minutes; once earlier heals have shown how long propagation takes here, halfway into that span), each attempt checked at once, one in flight per app; `fixed-window` waits the whole propagation window, then redeploys once.',
  },
  {
    name: 'REMEDIATOR_HEAL_BACKOFF_MAX_SECONDS',
    default: '480',
    description: 'Adaptive schedule: the longest wait between two redeploy attempts.',
  },
  {
    name: 'REMEDIATOR_HEAL_MAX_ATTEMPTS',
    default: '6',
    description: 'Adaptive schedule: redeploy attempts after a grant before reporting `still-failing`.',
  },
  {
    name: 'REMEDIATOR_MAX_PAYLOAD_BYTES',
    default: '1048576',
    description: 'HTTP deliveries larger than this are rejected with 413.',
  },
  {
    name: 'REMEDIATOR_INVOCATION_DEADLINE_SECONDS',
    default: '25',
    description:
      "Every ARM attempt, retry and notification of one Event Grid delivery fits in this; work that cannot finish releases its lease and the delivery is retried (below Event Grid's 30 s timeout).",
  },
  {
    name: 'REMEDIATOR_FIX_RETRY_AFTER_MINUTES',
    default: '15',
    description: 'After a fix fails permanently, later events report the failure for this long, then may try again.',
  },
  {
    name: 'REMEDIATOR_STORAGE_CONNECTION',
    default: '',
    secret: true,
    description:
      'Table/Queue storage connection string for claims, audit and heal checks. Empty: use `AzureWebJobsStorage`; if that is empty too, an in-memory store (single instance only; logged as a warning).',
  },
  {
    name: 'REMEDIATOR_STORAGE_ACCOUNT_URL',
    default: '',
    description:
      'Identity-based alternative to a connection string, e.g. `https://acct.table.core.windows.net` (used with the managed identity).',
  },
  {
    name: 'REMEDIATOR_CLAIMS_TABLE',
    default: 'remediatorclaims',
    description: 'Table holding one row per claimed unit of work (exactly-once across instances).',
  },
  {
    name: 'REMEDIATOR_AUDIT_TABLE',
    default: 'remediatoraudit',
    description: 'Table holding the audit record of every decision; read it with `remediator audit`.',
  },
  {
    name: 'REMEDIATOR_HEAL_QUEUE',
    default: 'remediator-heal-checks',
    description: 'Queue carrying delayed heal checks and redeploys after a propagation wait.',
  },
  {
    name: 'TEAMS_WEBHOOK_URL',
    default: '',
    secret: true,
    description: 'Teams Workflows webhook URL (a Key Vault reference in Azure). Empty: no Teams messages.',
  },
  {
    name: 'SLACK_WEBHOOK_URL',
    default: '',
    secret: true,
    description: 'Slack incoming webhook URL (a Key Vault reference in Azure). Empty: no Slack messages.',
  },
  {
    name: 'REMEDIATOR_DIGEST_WINDOW_SECONDS',
    default: '60',
    description: 'Events sharing a cause within this window are grouped into one message plus a digest.',
  },
  {
    name: 'REMEDIATOR_APPROVAL_SIGNING_KEY',
    default: '',
    secret: true,
    description:
      'HMAC key (at least 32 characters) that signs approval links (a Key Vault reference in Azure). Required in `approve` mode.',
  },
  {
    name: 'REMEDIATOR_APPROVERS',
    default: '',
    description:
      'Comma-separated Entra object ids of the users or groups who may approve (`slack:U…` entries name Slack users for interactive buttons). Required in `approve` mode.',
  },
  {
    name: 'REMEDIATOR_APPROVAL_URL',
    default: '',
    description:
      'Public URL of the approval page. Empty: `https://$WEBSITE_HOSTNAME/api/approval` (the Function app itself).',
  },
  {
    name: 'REMEDIATOR_APPROVAL_TTL_MINUTES',
    default: '60',
    description: 'How long an approval link stays valid.',
  },
  {
    name: 'SLACK_SIGNING_SECRET',
    default: '',
    secret: true,
    description:
      'Signing secret of a Slack app (a Key Vault reference in Azure). Set: Slack messages carry interactive Approve/Dismiss buttons, verified with `X-Slack-Signature`; empty: link buttons to the approval page.',
  },
  {
    name: 'ARM_ENDPOINT',
    default: 'https://management.azure.com',
    description: 'Azure Resource Manager endpoint (sovereign clouds, or the local emulator).',
  },
  {
    name: 'AZURE_CLIENT_ID',
    default: '',
    description: "Client id of the remediator's user-assigned managed identity (read by DefaultAzureCredential).",
  },
  {
    name: 'LOG_LEVEL',
    default: 'info',
    description: 'pino log level: fatal, error, warn, info, debug, trace, silent.',
  },
];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  mode: RemediatorMode;
  allowedFixTypes: readonly ActionType[];
  /** Lower-cased scopes without trailing slash; empty = everything readable. */
  allowedScopes: readonly string[];
  fixBudgetPerHour: number;
  optOutTag: string;
  propagationWindowMs: number;
  /** How long after the event a missing Activity Log entry is still waited for (Event Grid retries meanwhile). */
  activityLogWaitMs: number;
  healCheckDelayMs: number;
  healCheckAttempts: number;
  /** After a role grant: redeploy attempts on a backoff (adaptive) or once after the propagation window. */
  healSchedule: 'adaptive' | 'fixed-window';
  healBackoffMaxMs: number;
  healMaxAttempts: number;
  maxPayloadBytes: number;
  /** The invocation deadline of the Event Grid doors (work records: src/work/). */
  invocationDeadlineMs: number;
  /** How long a permanently failed fix is reported before a later event may retry it. */
  fixRetryAfterMs: number;
  storage:
    | { kind: 'connection-string'; connectionString: string }
    | { kind: 'account-url'; accountUrl: string }
    | { kind: 'memory' };
  claimsTable: string;
  auditTable: string;
  healQueue: string;
  teamsWebhookUrl?: string;
  slackWebhookUrl?: string;
  digestWindowMs: number;
  /** Approve mode: the link signing key, who may approve, where the page is, how long a link lives. */
  approval: {
    signingKey?: string;
    /** Lower-cased object ids (and `slack:` user ids). */
    approvers: readonly string[];
    url?: string;
    ttlMs: number;
    slackSigningSecret?: string;
  };
  armEndpoint: string;
  azureClientId?: string;
  logLevel: LogLevel;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const csv = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

const intSetting = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

const httpsUrl = z
  .string()
  .trim()
  .refine(
    (s) => s === '' || /^https:\/\/[^\s]+$/i.test(s) || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//i.test(s),
    {
      // the value is a secret: never echo it
      message: 'must be an https:// URL (http:// only for loopback test servers)',
    },
  );

const tableName = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z][A-Za-z0-9]{2,62}$/,
    'must be a valid Azure table name (3-63 letters or digits, starting with a letter)',
  );

const queueName = z
  .string()
  .trim()
  .regex(
    /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/,
    'must be a valid Azure queue name (3-63 lower-case letters, digits, single hyphens)',
  );

const scopeList = z
  .string()
  .transform(csv)
  .pipe(
    z.array(
      z
        .string()
        .regex(
          /^\/(subscriptions|providers\/Microsoft\.Management\/managementGroups)\/[^/]+(\/.*)?$/i,
          'each scope must be an ARM id starting with /subscriptions/… or /providers/Microsoft.Management/managementGroups/…',
        ),
    ),
  )
  .transform((a) => a.map((s) => s.replace(/\/+$/, '').toLowerCase()));

const fixTypes = z
  .string()
  .transform((s) => (s.trim().toLowerCase() === 'none' ? [] : csv(s)))
  .pipe(z.array(z.enum(ACTION_TYPES as [ActionType, ...ActionType[]])));

const schema = z.object({
  REMEDIATOR_MODE: z.enum(['dry-run', 'auto-fix', 'approve']),
  REMEDIATOR_ALLOWED_FIX_TYPES: fixTypes,
  REMEDIATOR_ALLOWED_SCOPES: scopeList,
  REMEDIATOR_FIX_BUDGET_PER_HOUR: intSetting(0, 100000),
  REMEDIATOR_OPT_OUT_TAG: z.string().trim().min(1, 'must not be empty'),
  REMEDIATOR_PROPAGATION_WINDOW_MINUTES: intSetting(0, 1440),
  REMEDIATOR_ACTIVITY_LOG_WAIT_MINUTES: intSetting(0, 1440),
  REMEDIATOR_HEAL_CHECK_DELAY_SECONDS: intSetting(0, 7 * 24 * 3600),
  REMEDIATOR_HEAL_CHECK_ATTEMPTS: intSetting(1, 100),
  REMEDIATOR_HEAL_SCHEDULE: z.enum(['adaptive', 'fixed-window']),
  REMEDIATOR_HEAL_BACKOFF_MAX_SECONDS: intSetting(30, 24 * 3600),
  REMEDIATOR_HEAL_MAX_ATTEMPTS: intSetting(1, 50),
  REMEDIATOR_MAX_PAYLOAD_BYTES: intSetting(1024, 64 * 1024 * 1024),
  REMEDIATOR_INVOCATION_DEADLINE_SECONDS: intSetting(1, 600),
  REMEDIATOR_FIX_RETRY_AFTER_MINUTES: intSetting(0, 7 * 24 * 60),
  REMEDIATOR_STORAGE_CONNECTION: z.string(),
  REMEDIATOR_STORAGE_ACCOUNT_URL: z
    .string()
    .trim()
    .refine((s) => s === '' || /^https?:\/\/\S+$/i.test(s), 'must be an http(s) URL'),
  REMEDIATOR_CLAIMS_TABLE: tableName,
  REMEDIATOR_AUDIT_TABLE: tableName,
  REMEDIATOR_HEAL_QUEUE: queueName,
  TEAMS_WEBHOOK_URL: httpsUrl,
  SLACK_WEBHOOK_URL: httpsUrl,
  REMEDIATOR_DIGEST_WINDOW_SECONDS: intSetting(0, 24 * 3600),
  REMEDIATOR_APPROVAL_SIGNING_KEY: z.string().trim(),
  REMEDIATOR_APPROVERS: z
    .string()
    .transform(csv)
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|slack:[A-Z0-9]+)$/i,
            'each approver must be an Entra object id (GUID) or slack:<user id>',
          ),
      ),
    ),
  REMEDIATOR_APPROVAL_URL: httpsUrl,
  REMEDIATOR_APPROVAL_TTL_MINUTES: intSetting(1, 7 * 24 * 60),
  SLACK_SIGNING_SECRET: z.string().trim(),
  ARM_ENDPOINT: z
    .string()
    .trim()
    .regex(/^https:\/\/\S+$/i, 'must be an https:// URL'),
  AZURE_CLIENT_ID: z.string().trim(),
  LOG_LEVEL: z.enum(LOG_LEVELS),
});

/** Read and validate every setting; throws ConfigError listing all problems at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  const input: Record<string, string> = {};
  for (const s of SETTINGS) {
    const v = env[s.name];
    input[s.name] = v === undefined || v.trim() === '' ? s.default : v;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? '?');
      const spec = SETTINGS.find((s) => s.name === name);
      const shown = spec?.secret ? '(value hidden)' : JSON.stringify(input[name]);
      return `${name}: ${i.message} (got ${shown})`;
    });
    throw new ConfigError(problems);
  }
  const v = parsed.data;
  if (v.REMEDIATOR_MODE === 'approve') {
    const problems: string[] = [];
    if (v.REMEDIATOR_APPROVAL_SIGNING_KEY.length < 32)
      problems.push(
        'REMEDIATOR_APPROVAL_SIGNING_KEY: approve mode needs a signing key of at least 32 characters (got (value hidden))',
      );
    if (v.REMEDIATOR_APPROVERS.length === 0)
      problems.push('REMEDIATOR_APPROVERS: approve mode needs at least one approver (user or group object id)');
    if (problems.length) throw new ConfigError(problems);
  }
  const host = env['WEBSITE_HOSTNAME']?.trim() ?? '';
  const approvalUrl = v.REMEDIATOR_APPROVAL_URL || (host ? `https://${host}/api/approval` : '');
  const webJobs = env['AzureWebJobsStorage']?.trim() ?? '';
  const storage: Config['storage'] =
    v.REMEDIATOR_STORAGE_CONNECTION.trim() !== ''
      ? { kind: 'connection-string', connectionString: v.REMEDIATOR_STORAGE_CONNECTION.trim() }
      : v.REMEDIATOR_STORAGE_ACCOUNT_URL !== ''
        ? { kind: 'account-url', accountUrl: v.REMEDIATOR_STORAGE_ACCOUNT_URL }
        : webJobs !== ''
          ? { kind: 'connection-string', connectionString: webJobs }
          : { kind: 'memory' };
  const config: Config = {
    mode: v.REMEDIATOR_MODE,
    allowedFixTypes: Object.freeze([...new Set(v.REMEDIATOR_ALLOWED_FIX_TYPES)]),
    allowedScopes: Object.freeze(v.REMEDIATOR_ALLOWED_SCOPES),
    fixBudgetPerHour: v.REMEDIATOR_FIX_BUDGET_PER_HOUR,
    optOutTag: v.REMEDIATOR_OPT_OUT_TAG,
    propagationWindowMs: v.REMEDIATOR_PROPAGATION_WINDOW_MINUTES * 60_000,
    activityLogWaitMs: v.REMEDIATOR_ACTIVITY_LOG_WAIT_MINUTES * 60_000,
    healCheckDelayMs: v.REMEDIATOR_HEAL_CHECK_DELAY_SECONDS * 1000,
    healCheckAttempts: v.REMEDIATOR_HEAL_CHECK_ATTEMPTS,
    healSchedule: v.REMEDIATOR_HEAL_SCHEDULE,
    healBackoffMaxMs: v.REMEDIATOR_HEAL_BACKOFF_MAX_SECONDS * 1000,
    healMaxAttempts: v.REMEDIATOR_HEAL_MAX_ATTEMPTS,
    maxPayloadBytes: v.REMEDIATOR_MAX_PAYLOAD_BYTES,
    invocationDeadlineMs: v.REMEDIATOR_INVOCATION_DEADLINE_SECONDS * 1000,
    fixRetryAfterMs: v.REMEDIATOR_FIX_RETRY_AFTER_MINUTES * 60_000,
    storage,
    claimsTable: v.REMEDIATOR_CLAIMS_TABLE,
    auditTable: v.REMEDIATOR_AUDIT_TABLE,
    healQueue: v.REMEDIATOR_HEAL_QUEUE,
    digestWindowMs: v.REMEDIATOR_DIGEST_WINDOW_SECONDS * 1000,
    approval: Object.freeze({
      approvers: Object.freeze(v.REMEDIATOR_APPROVERS.map((a) => a.toLowerCase())),
      ttlMs: v.REMEDIATOR_APPROVAL_TTL_MINUTES * 60_000,
      ...(v.REMEDIATOR_APPROVAL_SIGNING_KEY ? { signingKey: v.REMEDIATOR_APPROVAL_SIGNING_KEY } : {}),
      ...(approvalUrl ? { url: approvalUrl } : {}),
      ...(v.SLACK_SIGNING_SECRET ? { slackSigningSecret: v.SLACK_SIGNING_SECRET } : {}),
    }),
    armEndpoint: v.ARM_ENDPOINT.replace(/\/+$/, ''),
    logLevel: v.LOG_LEVEL,
  };
  if (v.TEAMS_WEBHOOK_URL !== '') config.teamsWebhookUrl = v.TEAMS_WEBHOOK_URL;
  if (v.SLACK_WEBHOOK_URL !== '') config.slackWebhookUrl = v.SLACK_WEBHOOK_URL;
  if (v.AZURE_CLIENT_ID !== '') config.azureClientId = v.AZURE_CLIENT_ID;
  return Object.freeze(config);
}
