/**
 * `remediator audit [--since ISO|1h|30m|2d] [--resource ID] [--event ID] [--limit N] [--json]`: read the audit store
 * configured by the same settings as the Functions (REMEDIATOR_STORAGE_CONNECTION / REMEDIATOR_STORAGE_ACCOUNT_URL /
 * AzureWebJobsStorage). Human table by default (oldest first; `--limit` keeps the newest N), `--json` = one JSON document.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { describeErrorMessage } from '../errors';
import type { AuditRecord, StateStore } from '../store/port';
import { createStore } from '../adapters/state-store';

export interface AuditIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

export interface AuditOptions {
  /** The store to read (tests); default: built from the settings in io.env. */
  store?: StateStore;
  now?: () => Date;
}

const USAGE = 'usage: remediator audit [--since ISO|1h|30m|2d] [--resource ID] [--event ID] [--limit N] [--json]';

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

  let store = opts.store;
  if (!store) {
    let config;
    try {
      config = loadConfig(io.env);
    } catch (err) {
      io.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
      return 2;
    }
    if (config.storage.kind === 'memory') {
      io.stderr.write(
        'no audit store configured: set REMEDIATOR_STORAGE_CONNECTION (or REMEDIATOR_STORAGE_ACCOUNT_URL, or AzureWebJobsStorage)\n',
      );
      return 2;
    }
    store = await createStore(config, { warn: () => undefined });
  }
  let records: AuditRecord[];
  try {
    records = await store.listAudit(query);
  } catch (err) {
    io.stderr.write(`could not read the audit store: ${describeErrorMessage(err).split('\n')[0] ?? ''}\n`);
    return 1;
  }
  if (values.json) io.stdout.write(`${JSON.stringify({ records })}\n`);
  else io.stdout.write(records.length ? `${renderAuditTable(records)}\n` : 'no audit records match\n');
  return 0;
}
