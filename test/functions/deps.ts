/**
 * Test deps for the doors: real pipeline, real in-memory store, a counting fake ArmPort (fails loudly if called when
 * it must not be), a recording heal scheduler, and captured logs.
 */
import { InvocationContext } from '@azure/functions';
import type { ArmPort } from '../../src/azure/arm-port';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging';
import type { PipelineDeps } from '../../src/pipeline';
import type { HealScheduler, HealTask } from '../../src/remediate';
import { createMemoryStore } from '../../src/store';

export type ArmBehaviour = 'forbidden' | 'transient';

export interface CountingArm {
  arm: ArmPort;
  calls: string[];
}

/** Every ArmPort method records its name and rejects: with a permanent 403 or a transient 503. */
export function createCountingArm(behaviour: ArmBehaviour): CountingArm {
  const calls: string[] = [];
  const arm = new Proxy({} as ArmPort, {
    get(_target, prop) {
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      return (..._args: unknown[]): Promise<never> => {
        calls.push(prop);
        const status = behaviour === 'transient' ? 503 : 403;
        return Promise.reject(
          Object.assign(new Error(`fake ARM ${prop}: ${status}`), {
            name: 'RestError',
            statusCode: status,
            code: behaviour === 'transient' ? 'ServiceUnavailable' : 'AuthorizationFailed',
          }),
        );
      };
    },
  });
  return { arm, calls };
}

export interface TestDeps {
  deps: PipelineDeps;
  arm: CountingArm;
  scheduled: HealTask[];
  logLines: () => string;
}

export function createTestDeps(
  opts: { arm?: ArmBehaviour; env?: Record<string, string>; armPort?: ArmPort } = {},
): TestDeps {
  const chunks: string[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (s: string) => void chunks.push(s) } });
  const clock = { now: () => new Date('2026-11-21T10:00:00Z') };
  const arm = createCountingArm(opts.arm ?? 'forbidden');
  const scheduled: HealTask[] = [];
  const scheduler: HealScheduler = {
    schedule: async (task) => {
      scheduled.push(task);
    },
  };
  const deps: PipelineDeps = {
    arm: opts.armPort ?? arm.arm,
    clock,
    log,
    config: loadConfig(opts.env ?? {}),
    store: createMemoryStore({ clock }),
    scheduler,
  };
  return { deps, arm, scheduled, logLines: () => chunks.join('') };
}

export interface CapturedContext {
  context: InvocationContext;
  logs: Array<{ level: string; text: string }>;
}

export function createContext(functionName: string): CapturedContext {
  const logs: Array<{ level: string; text: string }> = [];
  const context = new InvocationContext({
    invocationId: `test-${functionName}-${Math.random().toString(16).slice(2)}`,
    functionName,
    logHandler: (level, ...args) => logs.push({ level, text: args.map(String).join(' ') }),
  });
  return { context, logs };
}
