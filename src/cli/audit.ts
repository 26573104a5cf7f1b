/**
 * `remediator audit [--account-url URL] [--since ISO|1h|30m|2d] [--resource ID] [--event ID] [--limit N] [--json]`:
 * read the audit store — the deployed one with `--account-url https://<account>.table.core.windows.net` and the
 * operator's own Entra ID login (DefaultAzureCredential: `az login`, azd, VS Code, environment; the login needs the
 * data-plane role Storage Table Data Reader on the account), else the one configured by the same settings as the
 * Functions (REMEDIATOR_STORAGE_CONNECTION / REMEDIATOR_STORAGE_ACCOUNT_URL / AzureWebJobsStorage). Read-only: it
 * never creates a table. Human table by default (oldest first; `--limit` keeps the newest N), `--json` = one JSON
 * document.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { describeErrorMessage } from '../errors';
import type { AuditRecord, StateStore } from '../store/port';
import { createStore } from '../adapters/state-store';
import type { TokenCredential } from '@azure/identity';
import { getErrorStatus } from '../errors';

export interface AuditIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

export interface AuditOptions {
  /** The store to read (tests); default: built from the settings in io.env. */
  store?: StateStore;
  now?: () => Date;
  /** Credential for identity-based storage (tests); default DefaultAzureCredential (the operator's login). */
  credential?: TokenCredential;
  /** PEM of an extra CA to trust for the Table endpoint (tests: a local HTTPS Azurite). */
  tlsCa?: string;
}

/** The data-plane role `remediator audit` needs on the storage account (infra can grant it to a group). */
export const AUDIT_READER_ROLE = 'Storage Table Data Reader';

const USAGE =
  'usage: remediator audit [--account-url URL] [--since ISO|1h|30m|2d] [--resource ID] [--event ID] [--limit N] [--json]';

/** `--since`: an ISO time, or a duration back from now (`90s`, `30m`, `1h`, `2d`). */
export function parseSince(value: string, now: Date): Date {
  const rel = /^(\d+)\s*(s|m|h|d)$/i.exec(value.trim());
  if (rel) {
    const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
      (rel[2] as string).toLowerCase() as 's' | 'm' | 'h' | 'd'
    ];
    return new Date(now.getTime() - Number(rel[1]) * unitMs);
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new Error(`--since: not an ISO time or a duration like 1h: ${value}`);
  return new Date(t);
}

function summarise(r: AuditRecord): string {
  const a = r.detail['action'];
  if (a && typeof a === 'object' && !Array.isArray(a)) {
    const act = a as Record<string, unknown>;
    const str = (v: unknown): string =>
      typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
    return `${str(act['type'])}: ${str(act['reason'])}`;
  }
  const d = r.detail['summary'] ?? r.detail['detail'] ?? r.detail['error'] ?? r.detail['reason'];
  return typeof d === 'string' ? d : JSON.stringify(r.detail);
}

const shortId = (id: string | undefined): string => (id ? (id.split('/').filter(Boolean).pop() ?? id) : '');

export function renderAuditTable(records: readonly AuditRecord[]): string {
  const rows = records.map((r) => [
    r.at.replace(/\.\d+Z$/, 'Z'),
    r.mode,
    r.stage,
    r.status,
    r.kind ?? '',
    r.eventId,
    shortId(r.resourceId),
    summarise(r).replace(/\s+/g, ' ').slice(0, 120),
  ]);
  const head = ['TIME', 'MODE', 'STAGE', 'STATUS', 'KIND', 'EVENT', 'RESOURCE', 'WHAT'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

export async function runAuditCommand(argv: string[], io: AuditIo, opts: AuditOptions = {}): Promise<number> {
  let values: {
    'account-url'?: string | undefined;
    since?: string | undefined;
    resource?: string | undefined;
    event?: string | undefined;
    limit?: string | undefined;
    json?: boolean | undefined;
    help?: boolean | undefined;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'account-url': { type: 'string' },
        since: { type: 'string' },
        resource: { type: 'string' },
        event: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`${describeErrorMessage(err)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const now = (opts.now ?? (() => new Date()))();
  const query: { since?: Date; limit?: number; resourceId?: string; eventId?: string } = {};
  try {
    if (values.since !== undefined) query.since = parseSince(values.since, now);
    if (values.limit !== undefined) {
      if (!/^\d+$/.test(values.limit)) throw new Error(`--limit: not a whole number: ${values.limit}`);
      query.limit = Number(values.limit);
    }
  } catch (err) {
    io.stderr.write(`${describeErrorMessage(err)}\n${USAGE}\n`);
    return 2;
  }
  if (values.resource !== undefined) query.resourceId = values.resource;
  if (values.event !== undefined) query.eventId = values.event;

  const accountUrl = values['account-url'];
  if (accountUrl !== undefined && !/^https:\/\/[^/\s]+/i.test(accountUrl)) {
    io.stderr.write(
      `--account-url: the storage account's https:// Table endpoint, e.g. https://<account>.table.core.windows.net, not ${accountUrl}\n${USAGE}\n`,
    );
    return 2;
  }
  let store = opts.store;
  if (!store) {
    let config;
    try {
      config = loadConfig(io.env);
    } catch (err) {
      io.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
      return 2;
    }
    if (accountUrl !== undefined) {
      // The operator's own login, not the remediator's identity: no managed identity client id.
      const { DefaultAzureCredential } = await import('@azure/identity');
      const credential = opts.credential ?? new DefaultAzureCredential();
      config = { ...config, storage: { kind: 'account-url' as const, accountUrl: accountUrl.replace(/\/+$/, '') } };
      store = await createStore(
        config,
        { warn: () => undefined },
        { credential, readOnly: true, ...(opts.tlsCa !== undefined ? { tlsCa: opts.tlsCa } : {}) },
      );
    } else if (config.storage.kind === 'memory') {
      io.stderr.write(
        'no audit store configured: pass --account-url https://<account>.table.core.windows.net, or set REMEDIATOR_STORAGE_CONNECTION (or REMEDIATOR_STORAGE_ACCOUNT_URL, or AzureWebJobsStorage)\n',
      );
      return 2;
    } else
      store = await createStore(
        config,
        { warn: () => undefined },
        {
          readOnly: true,
          ...(opts.credential ? { credential: opts.credential } : {}),
          ...(opts.tlsCa !== undefined ? { tlsCa: opts.tlsCa } : {}),
        },
      );
  }
  let records: AuditRecord[];
  try {
    records = await store.listAudit(query);
  } catch (err) {
    io.stderr.write(`could not read the audit store: ${describeErrorMessage(err).split('\n')[0] ?? ''}\n`);
    if (getErrorStatus(err) === 403)
      io.stderr.write(
        `your login needs the data-plane role ${AUDIT_READER_ROLE} on the storage account (README "Reading the audit trail")\n`,
      );
    return 1;
  }
  if (values.json) io.stdout.write(`${JSON.stringify({ records })}\n`);
  else io.stdout.write(records.length ? `${renderAuditTable(records)}\n` : 'no audit records match\n');
  return 0;
}
