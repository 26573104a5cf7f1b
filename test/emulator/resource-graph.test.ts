/**
 * Resource Graph in the emulator, through the real ResourceGraphClient (@azure/arm-resourcegraph): the KQL shapes the
 * remediator sends are parsed and evaluated, pages are linked by $skipToken, and a query outside the subset is refused
 * with Resource Graph's error shape (400 BadRequest, details InvalidQuery + the parser's detail).
 */
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { containerAppsUsingPrincipalQuery, registriesByLoginServerQuery } from '../../src/adapters/resource-graph';
import { parseKql } from '../../emulator/kql/parse';
import { runQuery } from '../../emulator/kql/evaluate';
import { startTestEmulator, staticCredential, type TestEmulator } from '../helpers/emulator';

const PRINCIPAL = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';

function graphFor(t: TestEmulator): ResourceGraphClient {
  return new ResourceGraphClient(staticCredential, {
    endpoint: t.endpoint,
    credentials: { scopes: [`${t.endpoint}/.default`] },
    tlsOptions: { ca: t.ca },
    retryOptions: { maxRetries: 0 },
  });
}

describe('KQL subset', () => {
  const rows = [
    { id: '/a', type: 'microsoft.app/containerapps', properties: { n: 1, s: 'Alpha' }, tags: { env: 'prod' } },
    { id: '/b', type: 'microsoft.app/containerapps', properties: { n: 2, s: 'beta' }, tags: {} },
    { id: '/c', type: 'microsoft.containerregistry/registries', properties: { n: 3, list: ['x', 'y'] }, tags: {} },
  ];
  test.each([
    ["resources | where type =~ 'Microsoft.App/containerApps' | project id", ['/a', '/b']],
    ["resources | where properties.s == 'alpha' | project id", []],
    ["resources | where properties.s =~ 'alpha' | project id", ['/a']],
    ["resources | where tolower(tostring(properties.s)) in ('beta', 'gamma') | project id", ['/b']],
    ["resources | where properties.n > 1 and not(tags.env == 'prod') | order by id asc | project id", ['/b', '/c']],
    ['resources | where isnotempty(tags.env) or properties.n >= 3 | order by id desc | project id', ['/c', '/a']],
    ["resources | where tostring(properties.list) contains 'y' | project id", ['/c']],
    ["resources | mv-expand item = properties.list | where item == 'y' | project id", ['/c']],
    ['resources | take 1 | project id', ['/a']],
  ])('%s', (q, ids) => {
    expect(runQuery(parseKql(q), rows).map((r) => r['id'])).toEqual(ids);
  });

  test('project names a path column as Resource Graph does (a_b_c); extend adds columns', () => {
    const out = runQuery(
      parseKql("resources | extend kind = 'k' | project id, properties.s, kind, up = toupper(properties.s)"),
      rows,
    );
    expect(out[0]).toEqual({ id: '/a', properties_s: 'Alpha', kind: 'k', up: 'ALPHA' });
  });

  test.each([
    ['resources | summarize count() by type', 'InvalidQueryLanguage', 'summarize'],
    ["resources | where name matches regex 'x'", 'ParserFailure', 'matches'],
    ['resources | where bag_keys(identity)', 'InvalidQueryLanguage', 'bag_keys'],
    ["resources | where name == 'unterminated", 'ParserFailure', "'unterminated"],
  ])('refuses %s', (q, code, token) => {
    expect(() => parseKql(q)).toThrow(expect.objectContaining({ code, token }) as Error);
  });
});

describe('POST /providers/Microsoft.ResourceGraph/resources', () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator('test/worlds/missing-role.json');
  });
  afterAll(() => t.stop());

  test('the registry of a login server, across subscriptions, as ARM returns it (type lower-cased)', async () => {
    const r = await graphFor(t).resources({
      query: registriesByLoginServerQuery(['ACMEACR.azurecr.io']),
      options: { resultFormat: 'objectArray' },
    });
    expect(r.totalRecords).toBe(1);
    const row = (r.data as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    expect(row['type']).toBe('microsoft.containerregistry/registries');
    expect(row['properties']).toMatchObject({ loginServer: 'acmeacr.azurecr.io' });
    expect(r.skipToken).toBeUndefined();
  });

  test('the apps whose identity is a principal', async () => {
    const r = await graphFor(t).resources({ query: containerAppsUsingPrincipalQuery(PRINCIPAL) });
    expect((r.data as Array<{ id: string }>).map((a) => a.id)).toEqual([
      expect.stringMatching(/containerApps\/web$/) as string,
    ]);
    const none = await graphFor(t).resources({ query: containerAppsUsingPrincipalQuery('0'.repeat(8)) });
    expect(none.data).toEqual([]);
  });

  test('pages of $top linked by $skipToken cover every row once', async () => {
    const q = 'resources | order by id asc | project id, type';
    const all = (await graphFor(t).resources({ query: q, options: { top: 1000 } })).data as Array<{ id: string }>;
    expect(all.length).toBeGreaterThan(2);
    const seen: string[] = [];
    let skipToken: string | undefined;
    let pages = 0;
    do {
      const page = await graphFor(t).resources({ query: q, options: { top: 2, ...(skipToken ? { skipToken } : {}) } });
      expect(page.totalRecords).toBe(all.length);
      seen.push(...(page.data as Array<{ id: string }>).map((x) => x.id));
      skipToken = page.skipToken;
      pages++;
    } while (skipToken);
    expect(seen).toEqual(all.map((x) => x.id));
    expect(pages).toBe(Math.ceil(all.length / 2));
  });

  test('a query outside the subset is refused with Resource Graph error shape', async () => {
    const err = (await graphFor(t)
      .resources({ query: 'resources | summarize count() by type' })
      .then(
        () => ({}),
        (e: unknown) => e,
      )) as { statusCode?: number; details?: unknown };
    expect(err.statusCode).toBe(400);
    expect(err.details).toMatchObject({
      error: {
        code: 'BadRequest',
        details: [
          { code: 'InvalidQuery' },
          {
            code: 'InvalidQueryLanguage',
            additionalProperties: { line: 1, characterPositionInLine: 12, token: 'summarize' },
          },
        ],
      },
    });
    const table = (await graphFor(t)
      .resources({ query: 'resourcecontainers | project id' })
      .then(
        () => ({}),
        (e: unknown) => e,
      )) as { statusCode?: number };
    expect(table.statusCode).toBe(400);
  });
});
