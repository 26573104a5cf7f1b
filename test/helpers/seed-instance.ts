/**
 * The seed story (test/worlds/seed-story*.json) on its own ARM emulator, with one remediator instance on a shared
 * Azurite under tables of its own: the setup of the issue-13 work tests (test/work/).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunningEmulator } from '../../emulator/api';
import { startEmulator } from '../../emulator/server';
import { loadWorld } from '../../emulator/world';
import { startHarness, type Harness } from '../../src/local/harness';
import type { RemediatorMode } from '../../src/model';
import type { RunningAzurite } from './azurite';

const WORLDS = resolve(__dirname, '../worlds');

/** The seed story's Event Grid event (a copy; `id` replaced when given). */
export function seedStoryEvent(id?: string): Record<string, unknown> {
  const e = JSON.parse(readFileSync(resolve(WORLDS, 'seed-story.event.json'), 'utf8')) as Record<string, unknown>;
  return id === undefined ? e : { ...e, id };
}

export interface SeedInstance {
  emu: RunningEmulator;
  h: Harness;
  stop(): Promise<void>;
}

let instances = 0;

/** Settings as app settings (propagation window 0 unless given); auto-fix unless told. */
export async function startSeedInstance(
  azurite: RunningAzurite,
  env: Record<string, string> = {},
  mode: RemediatorMode = 'auto-fix',
): Promise<SeedInstance> {
  const emu = await startEmulator({ world: loadWorld(resolve(WORLDS, 'seed-story.json')), propagationDelayMs: 0 });
  const tag = `${process.pid.toString(36)}x${++instances}x${Date.now().toString(36)}`;
  const h = await startHarness({
    world: emu.snapshot(),
    emulator: emu,
    storage: azurite,
    mode,
    env: {
      REMEDIATOR_CLAIMS_TABLE: `seed${tag}`,
      REMEDIATOR_AUDIT_TABLE: `seedaudit${tag}`,
      REMEDIATOR_PROPAGATION_WINDOW_MINUTES: '0',
      ...env,
    },
  });
  return {
    emu,
    h,
    stop: async () => {
      await h.stop();
      await emu.stop();
    },
  };
}
