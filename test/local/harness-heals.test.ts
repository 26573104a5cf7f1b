/**
 * The local harness (demo, simulate, storm bench) tells heals as the heal-check function does in Azure
 * (src/heal-pipeline.ts): every settled heal, from its task — also when the event that scheduled it has no
 * `diagnosed` outcome among those settled (Event Grid redelivered its batch after a transient fault elsewhere in it,
 * and the delivery that counts answered `duplicate`). Before, such heals were neither counted nor told.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunningEmulator } from '../../emulator/api';
import { startEmulator } from '../../emulator/server';
import { loadWorld } from '../../emulator/world';
import { startHarness, type Harness } from '../../src/local/harness';
import { startSink, type Sink } from '../notify/fixtures';

const WORLDS = resolve(__dirname, '../worlds');
const EVENT = JSON.parse(readFileSync(resolve(WORLDS, 'seed-story.event.json'), 'utf8')) as Record<string, unknown>;

let emu: RunningEmulator | undefined;
let harness: Harness | undefined;
let sink: Sink | undefined;
afterEach(async () => {
  await harness?.stop();
  await emu?.stop();
  await sink?.stop();
  harness = emu = sink = undefined;
});

async function start(): Promise<Harness> {
  const world = loadWorld(resolve(WORLDS, 'seed-story.json'));
  emu = await startEmulator({ world, propagationDelayMs: 0 });
  sink = await startSink();
  harness = await startHarness({
    world,
    emulator: emu,
    azurite: false,
    mode: 'auto-fix',
    env: {
      REMEDIATOR_PROPAGATION_WINDOW_MINUTES: '0',
      TEAMS_WEBHOOK_URL: `${sink.url}/teams/workflow?sig=harness-heals`,
    },
  });
  return harness;
}

const healMessages = (s: Sink): unknown[] =>
  s.received.filter((r) => r.path.startsWith('/teams') && /Healed · web/.test(JSON.stringify(r.body)));

it('a heal whose event has no diagnosed outcome here is still counted and told once', async () => {
  const h = await start();
  const [first] = await h.deliver([EVENT]);
  expect(first?.status).toBe('diagnosed');
  expect(first?.actions?.map((a) => `${a.type}:${a.status}`)).toEqual([
    'assign-role:applied',
    'redeploy-revision:applied',
  ]);
  // The delivery that counts is a redelivery of the same event: a duplicate, with no diagnosis of its own.
  const [again] = await h.deliver([EVENT]);
  expect(again?.status).toBe('duplicate');
  const settled = await h.settle([again as NonNullable<typeof again>]);
  expect(settled.map((o) => o.status)).toEqual(['duplicate']);
  expect(settled[0]?.heal).toBeUndefined(); // a duplicate carries no heal (CONTRACTS.md §2)
  expect(h.healResults().map((r) => [r.eventId, r.appId.split('/').pop(), r.result.status])).toEqual([
    [EVENT['id'], 'web', 'healed'],
  ]);
  expect(healMessages(sink as Sink)).toHaveLength(1);
});

it('a heal of a diagnosed outcome is attached to it and told once', async () => {
  const h = await start();
  const [done] = await h.settle(await h.deliver([EVENT]));
  expect(done?.heal?.status).toBe('healed');
  expect(h.healResults()).toHaveLength(1);
  expect(healMessages(sink as Sink)).toHaveLength(1);
});
