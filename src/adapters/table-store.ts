/**
 * StateStore over Azure Table Storage (@azure/data-tables; Azurite locally).
 * - claims: `createEntity` — a 409 (EntityAlreadyExists) means another caller owns the key;
 * - counters: read, then `updateEntity` with If-Match on the ETag (or create), retried on 412/409;
 * - audit: one table, partition = day (`YYYY-MM-DD`), row key = the record's time-ordered id;
 * - outbox: rows in the claims table under a reserved partition.
 * Tables are created if missing, once per process (per endpoint + table name).
 */
import { TableClient, odata, type TableEntity, type TableServiceClientOptions } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { getErrorStatus } from '../errors';
import { RemediatorError } from '../model';
import type { AuditRecord, ClaimRecord, Json, OutboxItem, StateStore } from '../store/port';
import { auditDayOf, decodeTableKey, encodeTableKey, selectAudit } from '../store/keys';

export type TableStoreConnection = { connectionString: string } | { accountUrl: string; credential: TokenCredential };

export interface TableStoreOptions {
  connection: TableStoreConnection;
  claimsTable: string;
  auditTable: string;
  clock?: { now(): Date };
  /** Retry options for the Table client (tests use small delays). */
  retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  /** How many times a counter update is retried on an ETag conflict (default 50). */
  maxCounterAttempts?: number;
  /**
   * Only read (`remediator audit`): never create the tables, so a principal with a data-plane reader role only
   * (Storage Table Data Reader) can use it; a missing table is an error.
   */
  readOnly?: boolean;
  /** PEM of an extra CA to trust (a local HTTPS Azurite). */
  tlsCa?: string;
}

const OUTBOX_PARTITION = '~outbox';
const COUNTER_PREFIX = '~counter~';
const created = new Map<string, Promise<void>>();

function isLoopbackHttp(url: string): boolean {
  return /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/i.test(url);
}

function tableEndpointOf(connectionString: string): string {
  const m = /(?:^|;)\s*TableEndpoint=([^;]+)/i.exec(connectionString);
  return m?.[1]?.trim() ?? '';
}

function makeClient(
  conn: TableStoreConnection,
  table: string,
  retryOptions: TableStoreOptions['retryOptions'],
  tlsCa?: string,
): { client: TableClient; endpointKey: string } {
  const base: TableServiceClientOptions = {
    ...(retryOptions ? { retryOptions } : {}),
    ...(tlsCa !== undefined ? { tlsOptions: { ca: tlsCa } } : {}),
  };
  if ('connectionString' in conn) {
    const endpoint = tableEndpointOf(conn.connectionString);
    const client = TableClient.fromConnectionString(conn.connectionString, table, {
      ...base,
      allowInsecureConnection: isLoopbackHttp(endpoint),
    });
    return { client, endpointKey: `${endpoint || 'cs'}|${table}` };
  }
  const client = new TableClient(conn.accountUrl, table, conn.credential, {
    ...base,
    allowInsecureConnection: isLoopbackHttp(conn.accountUrl),
  });
  return { client, endpointKey: `${conn.accountUrl}|${table}` };
}

async function ensureTable(client: TableClient, key: string): Promise<void> {
  let p = created.get(key);
  if (p === undefined) {
    p = client.createTable().catch((err: unknown) => {
      created.delete(key);
      throw err;
    });
    created.set(key, p);
  }
  await p;
}

type Row = TableEntity<Record<string, unknown>> & { etag?: string; timestamp?: string };

const parseJson = <T>(s: unknown, fallback: T): T => {
  if (typeof s !== 'string') return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
};

export class TableStore implements StateStore {
  readonly kind = 'table' as const;
  private readonly claims: TableClient;
  private readonly audit: TableClient;
  private readonly claimsKey: string;
  private readonly auditKey: string;
  private readonly clock: { now(): Date };
  private readonly maxCounterAttempts: number;
  private readonly readOnly: boolean;

  constructor(opts: TableStoreOptions) {
    const c = makeClient(opts.connection, opts.claimsTable, opts.retryOptions, opts.tlsCa);
    const a = makeClient(opts.connection, opts.auditTable, opts.retryOptions, opts.tlsCa);
    this.readOnly = opts.readOnly === true;
    this.claims = c.client;
    this.claimsKey = c.endpointKey;
    this.audit = a.client;
    this.auditKey = a.endpointKey;
    this.clock = opts.clock ?? { now: () => new Date() };
    this.maxCounterAttempts = opts.maxCounterAttempts ?? 50;
  }

  /** Create both tables if missing (once per process; never when read-only). */
  async init(): Promise<void> {
    if (this.readOnly) return;
    await Promise.all([ensureTable(this.claims, this.claimsKey), ensureTable(this.audit, this.auditKey)]);
  }

  async claim(partition: string, key: string, value: Record<string, Json>): Promise<boolean> {
    await this.init();
    try {
      await this.claims.createEntity({
        partitionKey: encodeTableKey(partition),
        rowKey: encodeTableKey(key),
        value: JSON.stringify(value),
        createdAt: this.clock.now().toISOString(),
      });
      return true;
    } catch (err) {
      if (getErrorStatus(err) === 409) return false;
      throw err;
    }
  }

  async get(partition: string, key: string): Promise<ClaimRecord | undefined> {
    await this.init();
    try {
      const e = await this.claims.getEntity<Record<string, unknown>>(encodeTableKey(partition), encodeTableKey(key));
      const rec: ClaimRecord = {
        partition,
        key,
        value: parseJson<Record<string, Json>>(e['value'], {}),
        createdAt: typeof e['createdAt'] === 'string' ? e['createdAt'] : '',
      };
      if (e.etag) rec.etag = e.etag;
      return rec;
    } catch (err) {
      if (getErrorStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async update(partition: string, key: string, value: Record<string, Json>): Promise<void> {
    await this.init();
    // Merge with If-Match '*': fails with 404 when the record does not exist (no silent resurrection of a released claim).
    await this.claims.updateEntity(
      { partitionKey: encodeTableKey(partition), rowKey: encodeTableKey(key), value: JSON.stringify(value) },
      'Merge',
      { etag: '*' },
    );
  }

  async release(partition: string, key: string): Promise<void> {
    await this.init();
    try {
      await this.claims.deleteEntity(encodeTableKey(partition), encodeTableKey(key));
    } catch (err) {
      if (getErrorStatus(err) !== 404) throw err;
    }
  }

  async create(partition: string, key: string, value: Record<string, Json>): Promise<string | undefined> {
    await this.init();
    try {
      const r = await this.claims.createEntity({
        partitionKey: encodeTableKey(partition),
        rowKey: encodeTableKey(key),
        value: JSON.stringify(value),
        createdAt: this.clock.now().toISOString(),
      });
      return r.etag ?? '*';
    } catch (err) {
      if (getErrorStatus(err) === 409) return undefined;
      throw err;
    }
  }

  async replaceIf(
    partition: string,
    key: string,
    value: Record<string, Json>,
    etag: string,
  ): Promise<string | undefined> {
    await this.init();
    try {
      const r = await this.claims.updateEntity(
        { partitionKey: encodeTableKey(partition), rowKey: encodeTableKey(key), value: JSON.stringify(value) },
        'Merge',
        { etag },
      );
      return r.etag ?? '*';
    } catch (err) {
      const s = getErrorStatus(err);
      if (s === 412 || s === 404) return undefined;
      throw err;
    }
  }

  async removeIf(partition: string, key: string, etag: string): Promise<boolean> {
    await this.init();
    try {
      await this.claims.deleteEntity(encodeTableKey(partition), encodeTableKey(key), { etag });
      return true;
    } catch (err) {
      const s = getErrorStatus(err);
      if (s === 412 || s === 404) return s === 404;
      throw err;
    }
  }

  async increment(partition: string, key: string, by = 1): Promise<number> {
    await this.init();
    const pk = encodeTableKey(`${COUNTER_PREFIX}${partition}`);
    const rk = encodeTableKey(key);
    for (let attempt = 1; attempt <= this.maxCounterAttempts; attempt++) {
      let current: Row | undefined;
      try {
        current = (await this.claims.getEntity<Record<string, unknown>>(pk, rk)) as Row;
      } catch (err) {
        if (getErrorStatus(err) !== 404) throw err;
      }
      try {
        if (current === undefined) {
          await this.claims.createEntity({ partitionKey: pk, rowKey: rk, count: by });
          return by;
        }
        const next = Number(current['count'] ?? 0) + by;
        await this.claims.updateEntity({ partitionKey: pk, rowKey: rk, count: next }, 'Replace', {
          etag: current.etag ?? '*',
        });
        return next;
      } catch (err) {
        const s = getErrorStatus(err);
        if (s !== 412 && s !== 409) throw err;
        // lost the race: read again (tiny jittered pause so many racers spread out)
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 5 * Math.min(attempt, 10))));
      }
    }
    // Contention is transient: the caller retries the delivery (it takes the budget before any claim).
    throw new RemediatorError(
      'counter-contention',
      `counter ${partition}/${key}: gave up after ${this.maxCounterAttempts} concurrent update conflicts`,
      { transient: true },
    );
  }

  async readCounter(partition: string, key: string): Promise<number> {
    await this.init();
    try {
      const e = await this.claims.getEntity<Record<string, unknown>>(
        encodeTableKey(`${COUNTER_PREFIX}${partition}`),
        encodeTableKey(key),
      );
      return Number(e['count'] ?? 0);
    } catch (err) {
      if (getErrorStatus(err) === 404) return 0;
      throw err;
    }
  }

  async appendAudit(record: AuditRecord): Promise<void> {
    await this.init();
    const entity = {
      partitionKey: auditDayOf(record.at),
      rowKey: encodeTableKey(record.id),
      at: record.at,
      eventId: record.eventId,
      mode: record.mode,
      stage: record.stage,
      status: record.status,
      record: JSON.stringify(record),
      ...(record.correlationId !== undefined ? { correlationId: record.correlationId } : {}),
      ...(record.resourceId !== undefined ? { resourceId: record.resourceId.toLowerCase() } : {}),
      ...(record.kind !== undefined ? { kind: record.kind } : {}),
    };
    try {
      await this.audit.createEntity(entity);
    } catch (err) {
      if (getErrorStatus(err) !== 409) throw err;
      // Same id twice (e.g. two records in the same millisecond): keep both, never overwrite an audit record.
      const suffix = `~${this.clock.now().getTime().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
      await this.audit.createEntity({ ...entity, rowKey: `${entity.rowKey}${encodeTableKey(suffix)}` });
    }
  }

  async listAudit(
    query: { since?: Date; limit?: number; resourceId?: string; eventId?: string } = {},
  ): Promise<AuditRecord[]> {
    await this.init();
    const filters: string[] = [];
    if (query.since) filters.push(odata`PartitionKey ge ${auditDayOf(query.since.toISOString())}`);
    if (query.eventId !== undefined) filters.push(odata`eventId eq ${query.eventId}`);
    const records: AuditRecord[] = [];
    const iter = this.audit.listEntities<Record<string, unknown>>(
      filters.length ? { queryOptions: { filter: filters.join(' and ') } } : {},
    );
    for await (const e of iter) {
      const r = parseJson<AuditRecord | undefined>(e['record'], undefined);
      if (r !== undefined) records.push(r);
    }
    return selectAudit(records, query);
  }

  async putOutbox(item: OutboxItem): Promise<void> {
    await this.init();
    await this.claims.upsertEntity(
      {
        partitionKey: OUTBOX_PARTITION,
        rowKey: encodeTableKey(item.id),
        dueAt: item.dueAt,
        item: JSON.stringify(item),
      },
      'Replace',
    );
  }

  async listOutbox(dueBefore: Date, limit?: number): Promise<OutboxItem[]> {
    await this.init();
    const items: OutboxItem[] = [];
    const iter = this.claims.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${OUTBOX_PARTITION}` },
    });
    for await (const e of iter) {
      const it = parseJson<OutboxItem | undefined>(e['item'], undefined);
      if (it !== undefined && Date.parse(it.dueAt) <= dueBefore.getTime()) items.push(it);
    }
    items.sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
    return limit === undefined ? items : items.slice(0, limit);
  }

  async deleteOutbox(id: string): Promise<void> {
    await this.init();
    try {
      await this.claims.deleteEntity(OUTBOX_PARTITION, encodeTableKey(id));
    } catch (err) {
      if (getErrorStatus(err) !== 404) throw err;
    }
  }
}

export { decodeTableKey };

export async function createTableStore(opts: TableStoreOptions): Promise<TableStore> {
  const store = new TableStore(opts);
  await store.init();
  return store;
}
