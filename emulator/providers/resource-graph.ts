/**
 * Microsoft.ResourceGraph (`POST /providers/Microsoft.ResourceGraph/resources`, ResourceGraphClient `resources`): the
 * `resources` table of every tracked resource in the world (or of the request's `subscriptions`), queried with the
 * KQL subset of ../kql/parse.ts, paged with `$top` / `$skipToken`, answered as `objectArray`. A query outside that
 * subset is refused as Resource Graph refuses an invalid query: 400 BadRequest with InvalidQuery and the parser's
 * detail (azure-rest-api-specs resourcegraph 2024-04-01 ErrorResponse; the detail fields as the service returns them).
 */
import { methodNotAllowed, type Reply, type RequestContext } from '../http/context';
import { lastSegment, resourceGroupOf, splitAtProviders, subscriptionOf } from '../ids';
import { runQuery, type Row } from '../kql/evaluate';
import { KqlError, parseKql } from '../kql/parse';
import type { EmulatorState } from '../state';
import { asArray, obj, str } from '../values';
import type { Provider } from './provider';

const PATH = /^\/providers\/microsoft\.resourcegraph\/resources$/i;
const DEFAULT_TOP = 100;
const MAX_TOP = 1000;
/** Extension resources and non-tracked types live in other Resource Graph tables (authorizationresources, …). */
const NOT_IN_RESOURCES = /^microsoft\.(authorization|management|resources)\//i;

export const resourceGraphProvider: Provider = {
  name: 'Microsoft.ResourceGraph',
  stage: 'any-scope',
  route(ctx, arm) {
    if (!PATH.test(ctx.path)) return undefined;
    if (ctx.method !== 'POST') throw methodNotAllowed(ctx.method, ctx.path);
    return query(ctx, arm.state, arm.pageSize);
  },
};

function badRequest(ctx: RequestContext, details: Array<Record<string, unknown>>): Reply {
  return {
    status: 400,
    body: {
      error: {
        code: 'BadRequest',
        message: `Please provide below info when asking for support: timestamp = ${new Date().toISOString()}, correlationId = ${ctx.correlationId}.`,
        details,
      },
    },
  };
}

const INVALID_QUERY = {
  code: 'InvalidQuery',
  message:
    'Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.',
};

function query(ctx: RequestContext, state: EmulatorState, pageSize: number | undefined): Reply {
  const text = str(ctx.body['query']);
  if (text === undefined || text.trim() === '')
    return badRequest(ctx, [{ code: 'InvalidQuery', message: 'The query is required.' }]);
  const options = obj(ctx.body['options']);
  const format = str(options['resultFormat']) ?? 'objectArray';
  if (format !== 'objectArray')
    return badRequest(ctx, [
      {
        code: 'UnsupportedResultFormat',
        message: `The emulator answers only the objectArray result format, not '${format}'.`,
      },
    ]);
  let parsed;
  try {
    parsed = parseKql(text);
  } catch (err) {
    if (!(err instanceof KqlError)) throw err;
    return badRequest(ctx, [
      INVALID_QUERY,
      { code: err.code, message: err.code, line: err.line, characterPositionInLine: err.column, token: err.token },
    ]);
  }
  if (parsed.table.toLowerCase() !== 'resources')
    return badRequest(ctx, [
      INVALID_QUERY,
      {
        code: 'InvalidQueryLanguage',
        message: 'InvalidQueryLanguage',
        line: 1,
        characterPositionInLine: 0,
        token: parsed.table,
      },
    ]);
  const subs = asArray(ctx.body['subscriptions'])
    .map((s) => str(s)?.toLowerCase())
    .filter((s): s is string => !!s);
  const rows = resourcesTable(state).filter(
    (r) => subs.length === 0 || subs.includes(String(r['subscriptionId']).toLowerCase()),
  );
  const data = runQuery(parsed, rows);

  const top = Math.min(MAX_TOP, Math.max(1, Number(options['$top'] ?? pageSize ?? DEFAULT_TOP) || DEFAULT_TOP));
  const token = str(options['$skipToken']);
  const offset = token !== undefined ? decodeSkipToken(token) : Math.max(0, Number(options['$skip'] ?? 0) || 0);
  if (offset === undefined)
    return badRequest(ctx, [{ code: 'InvalidSkipToken', message: `The skip token '${token ?? ''}' is not valid.` }]);
  const page = data.slice(offset, offset + top);
  const more = offset + top < data.length;
  return {
    status: 200,
    body: {
      totalRecords: data.length,
      count: page.length,
      resultTruncated: 'false',
      ...(more ? { $skipToken: Buffer.from(JSON.stringify({ o: offset + top })).toString('base64') } : {}),
      data: page,
      facets: [],
    },
  };
}

function decodeSkipToken(token: string): number | undefined {
  try {
    const o = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { o?: unknown }).o;
    return typeof o === 'number' && Number.isInteger(o) && o >= 0 ? o : undefined;
  } catch {
    return undefined;
  }
}

/** The `resources` table: tracked top-level resources as Resource Graph shows them (type lower-cased). */
export function resourcesTable(state: EmulatorState): Row[] {
  return state
    .all()
    .filter((r) => splitAtProviders(r.id).afterProviders === 3 && !NOT_IN_RESOURCES.test(r.type))
    .map((r) => ({
      id: r.id,
      name: r.name ?? lastSegment(r.id),
      type: r.type.toLowerCase(),
      tenantId: state.tenantId,
      kind: r['kind'] ?? '',
      location: r['location'] ?? '',
      resourceGroup: resourceGroupOf(r.id) ?? '',
      subscriptionId: subscriptionOf(r.id) ?? '',
      managedBy: r['managedBy'] ?? '',
      sku: r['sku'] ?? null,
      plan: r['plan'] ?? null,
      properties: r.properties ?? {},
      tags: r['tags'] ?? {},
      identity: r['identity'] ?? null,
      zones: r['zones'] ?? null,
      extendedLocation: r['extendedLocation'] ?? null,
    }));
}
