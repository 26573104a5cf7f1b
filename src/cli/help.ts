/**
 * `remediator <command> --help`: usage, options and an example for every command, answered before the command loads
 * (so `--help` works whatever else is on the line, and needs no Azure, emulator or storage). A test loops over every
 * command of the dispatcher and asks each for its help.
 */

export interface CommandHelp {
  /** One line: what the command does. */
  summary: string;
  usage: string;
  /** [flag, what it does]. */
  options: ReadonlyArray<readonly [string, string]>;
  examples: readonly string[];
}

import { MAX_COLUMNS, wrapText } from './text';

const JSON_OPT = ['--json', 'everything, as one JSON document on stdout'] as const;
const VERBOSE_OPT = [
  '--verbose',
  'full ids (ARM ids, principal and event ids) instead of short names; debug logs',
] as const;

export const HELP: Readonly<Record<string, CommandHelp>> = {
  demo: {
    summary:
      'bundled scenarios through the whole pipeline (dry-run, then auto-fix) against the local ARM emulator and ' +
      'Azurite; Teams/Slack messages posted to a local sink and rendered into a preview page',
    usage: 'remediator demo [--only NAME] [--out DIR] [--verbose] [--json]',
    options: [
      ['--only NAME', 'run one scenario: seed-story, arm-token-auth-disabled, abac-role-mismatch, image-not-found, …'],
      ['--out DIR', 'where the preview page and the posted messages (messages.json) go (default out/demo)'],
      VERBOSE_OPT,
      JSON_OPT,
    ],
    examples: ['remediator demo', 'remediator demo --only seed-story --verbose'],
  },
  simulate: {
    summary:
      'one event through the whole pipeline against the ARM emulator seeded from a world file (no Azure account)',
    usage:
      'remediator simulate --world WORLD.json --event EVENT.json [--mode dry-run|auto-fix] [--world-out OUT.json] [--verbose] [--json]',
    options: [
      ['--world FILE', 'the ARM state the emulator serves (required)'],
      [
        '--event FILE',
        'what a sender would deliver: Event Grid event(s), CloudEvents or an Activity Log alert (required)',
      ],
      ['--mode MODE', 'dry-run (default) or auto-fix'],
      ['--world-out FILE', "write the emulator's world after the run"],
      VERBOSE_OPT,
      JSON_OPT,
    ],
    examples: [
      'remediator simulate --world test/worlds/seed-story.json --event test/worlds/seed-story.event.json --mode auto-fix',
    ],
  },
  diagnose: {
    summary:
      'what an error means and what to check, offline from its text; with --live the full diagnosis, read-only, ' +
      'with your Azure login',
    usage:
      'remediator diagnose (--message "…" | --event FILE | --deployment-error FILE) [--live [--app APP_ID]] [--json]',
    options: [
      ['--message TEXT', 'an error text (a revision provisioningError, an AuthorizationFailed message, …)'],
      ['--event FILE', 'an Event Grid event or Activity Log alert'],
      ['--deployment-error FILE', 'the error JSON of `az deployment group show`'],
      ['--live', 'read the real state with your `az login` (read-only) and run the full diagnosis'],
      ['--app APP_ID', 'with --live and --message: the container app the error is about'],
      JSON_OPT,
    ],
    examples: [
      `remediator diagnose --message "GET https://acmeacr.azurecr.io/v2/api/manifests/2.0.0: MANIFEST_UNKNOWN"`,
      'remediator diagnose --event failure.json --live',
    ],
  },
  replay: {
    summary:
      'feed events from a file (an event, an array, NDJSON or an Event Grid dead-letter blob) through the pipeline ' +
      'against REAL Azure with your login, each audited as a replay; dry-run unless --mode auto-fix',
    usage: 'remediator replay --file EVENTS.json [--mode auto-fix] [--verbose] [--json]',
    options: [
      ['--file FILE', 'the deliveries to replay (required)'],
      ['--mode MODE', 'dry-run (default; REMEDIATOR_MODE is not honoured here) or auto-fix'],
      VERBOSE_OPT,
      JSON_OPT,
    ],
    examples: ['remediator replay --file deadletter.ndjson', 'remediator replay --file blob.json --mode auto-fix'],
  },
  emulator: {
    summary:
      'serve a world over HTTPS as a small ARM until stopped; prints {"endpoint","caPath","port"} once listening',
    usage:
      'remediator emulator --world WORLD.json [--port N] [--latency-ms N] [--propagation-delay-ms N] [--ca-path FILE] [--enforce-rbac]',
    options: [
      ['--world FILE', 'the ARM state to serve (required)'],
      ['--port N', 'port on 127.0.0.1 (default: any free port)'],
      ['--latency-ms N', 'delay every answer by N ms'],
      ['--propagation-delay-ms N', 'how long a new role assignment takes to take effect'],
      ['--ca-path FILE', "where to write the emulator's CA certificate"],
      ['--enforce-rbac', "answer AuthorizationFailed when the caller's roles do not allow the call"],
    ],
    examples: ['remediator emulator --world test/worlds/seed-story.json --port 8443'],
  },
  explain: {
    summary:
      'what a diagnosis kind means, what to check and what the remediator does; what a fix type writes and whether ' +
      'it is allowed by default (offline, from the catalogs)',
    usage: 'remediator explain [KIND|FIX-TYPE]... [--json]',
    options: [JSON_OPT],
    examples: [
      'remediator explain secret-ref/key-vault-access-denied',
      'remediator explain start-job-execution',
      'remediator explain --json',
    ],
  },
  doctor: {
    summary:
      "read-only preflight of a deployment with the remediator's identity and app settings: scopes readable, the RBAC " +
      'Administrator condition, the Event Grid subscription (filter, dead-lettering), storage, webhooks, mode; ' +
      '✔/✖ with the fix for each ✖, exit 1 when anything is wrong',
    usage:
      'remediator doctor [--scope ID]... [--principal-id OID] [--expect-mode dry-run|auto-fix|approve] [--remote] [--json]',
    options: [
      [
        '--scope ID',
        'a scope to check (repeatable; default REMEDIATOR_ALLOWED_SCOPES, else every visible subscription)',
      ],
      ['--principal-id OID', "the remediator identity's object id (default: read from the credential's token)"],
      ['--expect-mode MODE', 'fail when REMEDIATOR_MODE is not this one'],
      [
        '--remote',
        'ask the deployed app to run the checks itself (its identity and settings; GET /api/doctor with its function key)',
      ],
      ['--app NAME', 'with --remote: the Function app (default AZURE_FUNCTION_APP_NAME)'],
      ['--resource-group RG', 'with --remote: its resource group (default AZURE_RESOURCE_GROUP)'],
      ['--subscription ID', 'with --remote: its subscription (default AZURE_SUBSCRIPTION_ID)'],
      JSON_OPT,
    ],
    examples: [
      'remediator doctor --expect-mode auto-fix',
      'remediator doctor --scope /subscriptions/SUB --json',
      'remediator doctor --remote --app func-remediator --resource-group rg-remediator --subscription SUB',
    ],
  },
  audit: {
    summary:
      'read the audit records the remediator wrote: the deployed account with your Entra login (--account-url; ' +
      'needs Storage Table Data Reader), else the same storage settings as the Functions; read-only',
    usage:
      'remediator audit [--account-url URL] [--since ISO|1h|30m|2d] [--resource ID] [--event ID] [--limit N] [--json]',
    options: [
      ['--account-url URL', "the storage account's Table endpoint, read with your login (DefaultAzureCredential)"],
      ['--since WHEN', 'an ISO time or a duration back from now (90s, 30m, 1h, 2d)'],
      ['--resource ID', 'only records about this resource'],
      ['--event ID', 'only records of this event'],
      ['--limit N', 'the newest N records'],
      JSON_OPT,
    ],
    examples: [
      'remediator audit --account-url https://stabc123.table.core.windows.net --since 1h',
      'remediator audit --event 8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968 --json',
    ],
  },
};

/** Is this a request for help (anywhere on the command's line)? */
export function asksForHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** The help text of a command, at most 120 columns wide. */
export function formatHelp(name: string, h: CommandHelp): string {
  const width = Math.max(...h.options.map(([f]) => f.length), '--help, -h'.length);
  const option = (f: string, what: string): string[] => wrapText(what, MAX_COLUMNS, `  ${f.padEnd(width)}  `);
  return [
    ...wrapText(h.summary, MAX_COLUMNS, `remediator ${name} — `, '  '),
    '',
    ...wrapText(h.usage, MAX_COLUMNS, 'usage: ', '         '),
    '',
    'options:',
    ...h.options.flatMap(([f, what]) => option(f, what)),
    ...option('--help, -h', 'this help'),
    '',
    'example:',
    ...h.examples.flatMap((e) => wrapText(e, MAX_COLUMNS, '  ', '      ')),
  ].join('\n');
}
