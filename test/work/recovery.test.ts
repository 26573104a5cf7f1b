/** Issue 13's smaller recoveries: a failed start-up is rebuilt; a handshake in a mixed batch drops no event. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isHandshake, parseEventGridDelivery } from '../../src/intake';
import { configureRuntime, getRuntimeDeps } from '../../src/runtime';
import { staticCredential } from '../helpers/emulator';

const fixture = (p: string): unknown =>
  JSON.parse(readFileSync(resolve(__dirname, '../fixtures/events', `${p}.json`), 'utf8')) as unknown;

afterEach(() => configureRuntime({}));

it('a start-up that failed once (a storage blip) is built again at the next invocation', async () => {
  let builds = 0;
  configureRuntime({
    env: { LOG_LEVEL: 'silent' },
    credential: staticCredential,
    extend: async () => {
      builds++;
      if (builds === 1)
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:10002'), { code: 'ECONNREFUSED' });
      return {};
    },
  });
  await expect(getRuntimeDeps()).rejects.toThrow('ECONNREFUSED');
  const deps = await getRuntimeDeps();
  expect(deps.config.mode).toBe('dry-run');
  expect(await getRuntimeDeps()).toBe(deps); // then shared
  expect(builds).toBe(2);
});

it('a validation event in a mixed batch answers the handshake and keeps every other event', () => {
  const validation = (fixture('eventgrid/subscription-validation') as unknown[])[0];
  const failure = fixture('eventgrid/role-assignment-write-failure') as unknown[] | Record<string, unknown>;
  const event = Array.isArray(failure) ? failure[0] : failure;
  const parsed = parseEventGridDelivery([event, validation, { ...(event as object), id: 'second' }]);
  if (!isHandshake(parsed)) throw new Error('expected the handshake');
  expect(parsed.validationCode).toBe('512d38b6-c7b8-40c8-89fe-f46f9e9622b6');
  expect(parsed.others).toHaveLength(2);
  expect(parsed.others?.map((i): string | undefined => (i.status === 'accepted' ? i.event.id : i.eventId))).toEqual([
    (event as { id: string }).id,
    'second',
  ]);
  expect(parseEventGridDelivery([validation])).not.toHaveProperty('others');
});
