/** Wiring for end-to-end remediation tests: the ARM emulator (HTTPS) + the real SDK adapter + a store + a clocked scheduler. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ContainerApp } from '@azure/arm-appcontainers';
import pino from 'pino';
import type { World } from '../../emulator/api';
import { createSdkArmPort } from '../../src/adapters/sdk-arm';
import { loadConfig } from '../../src/config';
import { diagnose } from '../../src/diagnose';
import { parseIncoming } from '../../src/intake';
import type { Diagnosis, FailureEvent } from '../../src/model';
import { ClockedScheduler, executeActions, planActions, type RemediateDeps } from '../../src/remediate';
import { createMemoryStore } from '../../src/store/memory-store';
import type { StateStore } from '../../src/store/port';
import { staticCredential, startTestEmulator, type TestEmulator } from '../helpers/emulator';

export const WORLDS = resolve(__dirname, '../worlds');

export function readWorld(name: string): World {
  return JSON.parse(readFileSync(resolve(WORLDS, `${name}.json`), 'utf8')) as World;
}

export function readEvent(name: string): FailureEvent {
  const items = parseIncoming(JSON.parse(readFileSync(resolve(WORLDS, `${name}.event.json`), 'utf8')));
  const item = items[0];
  if (item?.status !== 'accepted') throw new Error(`event of ${name} was not accepted: ${JSON.stringify(item)}`);
  return item.event;
}

export interface E2E {
  emu: TestEmulator;
  deps: RemediateDeps;
  scheduler: ClockedScheduler;
  event: FailureEvent;
  diagnose(): Promise<Diagnosis>;
  run(diagnosis?: Diagnosis): Promise<{ result: Awaited<ReturnType<typeof executeActions>>; diagnosis: Diagnosis }>;
  settle(): ReturnType<ClockedScheduler['runDue']>;
  writes(): Array<{ method: string; path: string; status: number }>;
  stop(): Promise<void>;
}

export async function startE2E(
  name: string,
  env: Record<string, string> = {},
  opts: { world?: World; store?: StateStore; propagationDelayMs?: number } = {},
): Promise<E2E> {
  const emu = await startTestEmulator(
    opts.world ?? readWorld(name),
    opts.propagationDelayMs !== undefined ? { propagationDelayMs: opts.propagationDelayMs } : {},
  );
  const log = pino({ level: 'silent' });
  const config = loadConfig({ REMEDIATOR_MODE: 'auto-fix', ARM_ENDPOINT: emu.endpoint, ...env });
  const arm = createSdkArmPort({
    endpoint: emu.endpoint,
    credential: staticCredential,
    tlsCa: emu.ca,
    clock: emu.clock,
    log,
    retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  });
  const scheduler = new ClockedScheduler(emu.clock);
  const deps: RemediateDeps = {
    arm,
    store: opts.store ?? createMemoryStore(),
    scheduler,
    clock: emu.clock,
    config,
    log,
  };
  // `event` may be replaced (e.g. by one the emulator raised during the test): diagnose and run read it each time.
  const e2e: E2E = {
    emu,
    deps,
    scheduler,
    event: readEvent(name),
    diagnose: () => diagnose(e2e.event, { arm, clock: emu.clock, config, log }),
    async run(d?: Diagnosis) {
      const diagnosis = d ?? (await e2e.diagnose());
      const event = e2e.event;
      const result = await executeActions({ event, diagnosis, actions: planActions(diagnosis, config) }, deps);
      return { result, diagnosis };
    },
    settle: () => scheduler.runDue((ms) => emu.clock.advance(ms), deps),
    writes: () =>
      emu.requestLog.filter((r) => r.write).map((r) => ({ method: r.method, path: r.path, status: r.status })),
    stop: () => emu.stop(),
  };
  return e2e;
}

/** A refused deployment in dry-run: missing-role, AcrPull planned, the redeploy a manual step, no heal, zero writes. */
export async function expectRefusedDryRun(e: E2E): Promise<void> {
  const writesBefore = e.writes().length;
  const { result, diagnosis } = await e.run();
  expect(diagnosis.kind).toBe('acr-pull/missing-role');
  expect(result.actions.map((a) => [a.type, a.status])).toEqual([
    ['assign-role', 'planned'],
    ['redeploy-revision', 'manual'],
  ]);
  expect(result.heal?.status).not.toBe('healed');
  expect(e.writes().slice(writesBefore)).toEqual([]);
}

/**
 * Update app `web` through the SDK with `change` (a new revision `v8`), then make the failure event ARM raised the
 * one the test diagnoses. Resolves the update's error message ('' when it worked).
 */
export async function deployWebV8(e: E2E, change: (app: ContainerApp) => ContainerApp): Promise<string> {
  const app = await e.emu.containerApps.containerApps.get('web-rg', 'web');
  const error = await e.emu.containerApps.containerApps
    .beginUpdateAndWait(
      'web-rg',
      'web',
      change({
        location: app.location,
        ...(app.configuration ? { configuration: app.configuration } : {}),
        template: { ...app.template, revisionSuffix: 'v8' },
      }),
    )
    .then(
      () => '',
      (err: Error) => err.message,
    );
  const [item] = parseIncoming(e.emu.drainEvents().filter((x) => x.eventType.endsWith('WriteFailure')));
  if (item?.status !== 'accepted') throw new Error('no failure event accepted');
  e.event = item.event;
  return error;
}
