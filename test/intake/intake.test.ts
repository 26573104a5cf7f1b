/**
 * How to use intake: every door's payload → IntakeItem[]; the relevance constants; the size guard.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import {
  HANDLED_EVENT_TYPES,
  HANDLED_OPERATIONS,
  isAuthorizationFailure,
  parseAlert,
  parseBody,
  parseEventGridDelivery,
  parseIncoming,
} from '../../src/intake';
import type { IntakeItem } from '../../src/model';

// The shared examples sit next to the repository (`../shared` from its root).
const seed = JSON.parse(
  readFileSync(join(__dirname, '../../../shared/examples/seed-story/event.json'), 'utf8'),
) as Record<string, unknown>;
const fixture = (p: string): unknown =>
  JSON.parse(readFileSync(`${__dirname}/../fixtures/events/${p}.json`, 'utf8')) as unknown;
const clone = <T>(v: T): T => structuredClone(v);

describe('relevance constants (read by the infra tests for the Event Grid filter)', () => {
  it('names the three failure event types and the operations we look after', () => {
    expect(HANDLED_EVENT_TYPES).toEqual([
      'Microsoft.Resources.ResourceWriteFailure',
      'Microsoft.Resources.ResourceActionFailure',
      'Microsoft.Resources.ResourceDeleteFailure',
    ]);
    expect(HANDLED_OPERATIONS).toEqual(
      expect.arrayContaining([
        'Microsoft.App/containerApps/write',
        'Microsoft.App/containerApps/revisions/restart/action',
        'Microsoft.App/containerApps/revisions/activate/action',
        'Microsoft.ContainerRegistry/registries/pull/read',
        'Microsoft.Authorization/roleAssignments/write',
      ]),
    );
    expect(Object.isFrozen(HANDLED_OPERATIONS)).toBe(true);
  });

  it('compares operation names case-insensitively (Activity Log says MICROSOFT.APP/…)', () => {
    const e = clone(seed) as { data: Record<string, unknown> };
    e.data['operationName'] = 'MICROSOFT.APP/CONTAINERAPPS/WRITE';
    const [item] = parseEventGridDelivery(e) as IntakeItem[];
    expect(item?.status).toBe('accepted');
  });

  it.each([
    [{ subStatus: 'Forbidden' }, true],
    [{ statusCode: 'Forbidden' }, true],
    [{ statusMessage: '{"error":{"code":"AuthorizationFailed","message":"…"}}' }, true],
    [{ statusMessage: '{"error":{"code":"LinkedAuthorizationFailed"}}' }, true],
    [
      { subStatus: 'Conflict', statusCode: 'Conflict', statusMessage: '{"error":{"code":"OperationNotAllowed"}}' },
      false,
    ],
    [{}, false],
  ])('isAuthorizationFailure(%j) = %s', (detail, want) => {
    expect(isAuthorizationFailure(detail)).toBe(want);
  });
});

describe('parseEventGridDelivery', () => {
  it('keeps a lower-case resourcegroups subject as given and still finds the resource group', () => {
    const e = clone(seed) as { subject: string; data: Record<string, unknown> };
    e.subject = e.subject.replace('resourceGroups', 'resourcegroups');
    e.data['resourceUri'] = e.subject;
    delete e.data['resourceGroup'];
    const [item] = parseEventGridDelivery(e) as IntakeItem[];
    if (item?.status !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(item)}`);
    expect(item.event.subject).toContain('/resourcegroups/web-rg/');
    expect(item.event.resourceId).toBe(e.subject);
    expect(item.event.resourceGroup).toBe('web-rg');
  });

  it('maps the idtyp claim to a principal type when the evidence has none', () => {
    const e = clone(seed) as { data: { claims: Record<string, unknown>; authorization: Record<string, unknown> } };
    delete e.data.authorization['evidence'];
    e.data.claims['idtyp'] = 'app';
    delete e.data.claims['http://schemas.microsoft.com/identity/claims/objectidentifier'];
    e.data.claims['oid'] = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    const [item] = parseEventGridDelivery(e) as IntakeItem[];
    expect(item).toMatchObject({
      status: 'accepted',
      event: { caller: { principalId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', principalType: 'ServicePrincipal' } },
    });
  });

  it('answers the handshake when a validation event is in the delivery', () => {
    expect(parseEventGridDelivery(fixture('eventgrid/subscription-validation'))).toEqual({
      kind: 'validation',
      validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6',
      validationUrl: expect.stringContaining('https://'),
    });
  });

  it('one bad event never loses the good ones (any mix, any order)', () => {
    const good = clone(seed);
    const bads: unknown[] = [
      null,
      42,
      'x',
      [],
      {},
      { ...clone(seed), data: { ...(seed['data'] as object), resourceUri: 1 } },
      { specversion: '1.0' },
    ];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant('good' as const), fc.constantFrom(...bads)), { minLength: 1, maxLength: 12 }),
        (mix) => {
          const batch = mix.map((m, i) => (m === 'good' ? { ...good, id: `good-${i}` } : m));
          const items = parseEventGridDelivery(batch) as IntakeItem[];
          expect(items).toHaveLength(batch.length);
          mix.forEach((m, i) => {
            const item = items[i]!;
            if (m === 'good') expect(item).toMatchObject({ status: 'accepted', event: { id: `good-${i}` } });
            else expect(item.status).toBe('rejected');
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('parseAlert', () => {
  it('reads claims given as a JSON string and keeps the status details', () => {
    const [item] = parseAlert(fixture('alert/authorization-failed-acr-pull'));
    if (item?.status !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(item)}`);
    expect(item.event.caller?.principalType).toBe('ServicePrincipal');
    expect(item.event.statusDetail?.statusMessage).toContain('AuthorizationFailed');
    expect(item.event.authorization?.action).toBe('Microsoft.ContainerRegistry/registries/pull/read');
  });
});

describe('parseIncoming (CLI / replay / simulate: any one document)', () => {
  it('routes alerts, Event Grid events and handshakes', () => {
    expect(parseIncoming(fixture('alert/authorization-failed-acr-pull'))[0]?.status).toBe('accepted');
    expect(parseIncoming(seed)[0]?.status).toBe('accepted');
    expect(parseIncoming(fixture('cloudevents/batch-action-failure-and-success')).map((i) => i.status)).toEqual([
      'accepted',
      'ignored',
    ]);
    expect(parseIncoming(fixture('eventgrid/subscription-validation'))).toEqual([
      expect.objectContaining({ status: 'ignored' }),
    ]);
  });
});

describe('parseBody (size guard)', () => {
  it('parses JSON under the limit', () => {
    expect(parseBody('{"a":1}', 100)).toEqual({ ok: true, value: { a: 1 } });
  });
  it('refuses a body over the limit, counting bytes not characters', () => {
    const text = JSON.stringify({ s: 'é'.repeat(60) }); // 60 chars of 2 bytes each
    const r = parseBody(text, 100);
    expect(r).toMatchObject({ ok: false, tooLarge: true });
    if (!r.ok) expect(r.item.error).toMatch(/payload too large: \d+ bytes, the limit is 100 bytes/);
  });
  it('says so for truncated JSON and for an empty body', () => {
    expect(parseBody('[{"id":"x",', 100)).toMatchObject({
      ok: false,
      tooLarge: false,
      item: { status: 'rejected', error: expect.stringContaining('malformed or truncated JSON') },
    });
    expect(parseBody('  ', 100)).toMatchObject({ ok: false, item: { error: 'empty body: expected JSON' } });
  });
});
