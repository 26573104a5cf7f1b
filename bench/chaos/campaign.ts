/**
 * Chaos runs: one remediator process is SIGKILLed at a step and/or loses storage (the proxy switched off) for a
 * window; then redeliveries (possibly concurrent, each its own process, the clock past any lease) until one answers.
 * Checked against the emulator's world: nothing lost (the role exists and a heal revision runs), exactly one of each
 * write, no `applied` without the write, no `healed` without a running revision.
 */
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import type { RequestLogEntry } from '../../emulator/api';
import { startEmulator } from '../../emulator/server';
import { loadWorld } from '../../emulator/world';
import type { RunningAzurite } from '../../src/local/azurite';
import type { ChaosChildInput } from './child';
import { startStorageProxy } from './proxy';

/** Every checkpoint of the pipeline and the heal step, in order. */
export const CHAOS_STEPS = [
  'event-claimed',
  'story-claimed',
  'fix-claimed:assign-role',
  'write:assign-role',
  'written:assign-role',
  'recorded:assign-role',
  'fix-claimed:redeploy-revision',
  'write:redeploy-revision',
  'written:redeploy-revision',
  'recorded:redeploy-revision',
  'story-completed',
  'event-completed',
] as const;

export interface ChaosRunSpec {
  killAt?: string;
  killDelayMs?: number;
  outageAt?: string;
  outageMs?: number;
  redeliveries: number;
}

export interface ChaosRunResult {
  spec: ChaosRunSpec;
  lost: boolean;
  duplicateWrites: number;
  falseApplied: number;
  falseHealed: number;
  detail: string;
}

interface ChildOut {
  outcomes?: Array<{ eventId: string; status: string; reason: string; actions: string[]; heal: string }>;
  heal?: string[];
  error?: string;
}

const WORLD = resolve(__dirname, '../../test/worlds/seed-story.json');
const EVENT = resolve(__dirname, '../../test/worlds/seed-story.event.json');

function runChild(input: ChaosChildInput, onStep: (step: string) => Promise<void>): Promise<ChildOut | 'killed'> {
  return new Promise((done) => {
    const child = fork(resolve(__dirname, 'child.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, CHAOS_CHILD: JSON.stringify(input) },
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    let out: ChildOut | undefined;
    child.on('message', (m: { step?: string } & ChildOut) => {
      if (m.step !== undefined) {
        const step = m.step;
        void onStep(step).then(() => child.connected && child.send(`ack:${step}`));
      } else out = m;
    });
    child.on('exit', (_code, signal) => done(signal === 'SIGKILL' ? 'killed' : (out ?? { error: 'no result' })));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runChaosRun(azurite: RunningAzurite, spec: ChaosRunSpec, n: number): Promise<ChaosRunResult> {
  const emu = await startEmulator({ world: loadWorld(WORLD), propagationDelayMs: 0 });
  const tablePort = Number(new URL(azurite.tableEndpoint).port);
  const proxy = await startStorageProxy(tablePort);
  try {
    const connectionString = azurite.connectionString.replace(
      /TableEndpoint=[^;]+/,
      `TableEndpoint=http://127.0.0.1:${proxy.port}/devstoreaccount1`,
    );
    const event = JSON.parse((await import('node:fs')).readFileSync(EVENT, 'utf8')) as Record<string, unknown>;
    const base = {
      endpoint: emu.endpoint,
      caPath: emu.caPath,
      connectionString,
      claimsTable: `chaos${n}x${Date.now().toString(36)}`,
      mode: 'auto-fix' as const,
      batch: [{ ...event, id: `chaos-${n}` }],
    };
    const t0 = emu.clock.now().getTime();
    const onStep = async (step: string): Promise<void> => {
      if (step !== spec.outageAt) return;
      proxy.setOnline(false);
      setTimeout(() => proxy.setOnline(true), spec.outageMs ?? 500).unref();
    };
    const first = await runChild(
      {
        ...base,
        now: new Date(t0).toISOString(),
        ...(spec.killAt ? { killAt: spec.killAt } : {}),
        ...(spec.killDelayMs ? { killDelayMs: spec.killDelayMs } : {}),
      },
      onStep,
    );
    await sleep(spec.outageMs ?? 0);
    proxy.setOnline(true);
    const answers: ChildOut[] = first === 'killed' ? [] : [first];
    // Redeliveries (Event Grid's retries), later on the clock than any lease: until one answers without error.
    for (let round = 1; round <= 6; round++) {
      const last = answers.at(-1);
      if (last && !last.error) break;
      const now = new Date(t0 + round * 60_000).toISOString();
      const outs = await Promise.all(
        Array.from({ length: spec.redeliveries }, () => runChild({ ...base, now }, async () => undefined)),
      );
      for (const o of outs) if (o !== 'killed') answers.push(o);
      if (outs.some((o) => o !== 'killed' && !o.error)) break;
    }
    return judge(spec, emu.requestLog, emu.snapshot(), answers);
  } finally {
    await proxy.stop();
    await emu.stop();
  }
}

function judge(
  spec: ChaosRunSpec,
  log: readonly RequestLogEntry[],
  world: unknown,
  answers: ChildOut[],
): ChaosRunResult {
  const ok = (r: RequestLogEntry): boolean => r.status >= 200 && r.status < 300;
  const roleCreates = log.filter(
    (r) => r.method === 'PUT' && /roleAssignments\/[^/]+$/i.test(r.path) && r.status === 201,
  ).length;
  const appWrites = log.filter(
    (r) => (r.method === 'PATCH' || r.method === 'PUT') && /containerApps\/[^/]+$/i.test(r.path) && ok(r),
  ).length;
  const names = log
    .filter((r) => r.method === 'PUT' && /roleAssignments\/[^/]+$/i.test(r.path) && ok(r))
    .map((r) => r.path.split('/').pop() ?? '');
  const objects = walk(world);
  const hasRole = names.some((n) => objects.some((o) => JSON.stringify(o).includes(n) && 'principalId' in o));
  const healRevisions = objects.filter((o) => typeof o['name'] === 'string' && o['name'].includes('--heal-'));
  const healRunning = healRevisions.some((o) => /"runningState":"Running"/i.test(JSON.stringify(o)));
  const outcomes = answers.flatMap((a) => a.outcomes ?? []);
  const answered = answers.some((a) => !a.error && (a.outcomes ?? []).length > 0);
  let falseApplied = 0;
  for (const o of outcomes) {
    if (o.actions.includes('assign-role:applied') && !hasRole) falseApplied++;
    if (o.actions.includes('redeploy-revision:applied') && healRevisions.length === 0) falseApplied++;
  }
  const falseHealed =
    answers.flatMap((a) => a.heal ?? []).filter((h) => h === 'healed').length > 0 && !healRunning ? 1 : 0;
  const lost = !answered || !hasRole || !healRunning;
  return {
    spec,
    lost,
    duplicateWrites: Math.max(0, roleCreates - 1) + Math.max(0, appWrites - 1),
    falseApplied,
    falseHealed,
    detail: `answers ${answers.length}, role creates ${roleCreates}, app writes ${appWrites}, healRunning ${healRunning}; ${answers.map((a) => a.error ?? a.outcomes?.map((o) => `${o.status}[${o.actions.join(',')}]`).join(' ')).join(' | ')}`,
  };
}

/** Every plain object inside a JSON value. */
function walk(v: unknown, out: Array<Record<string, unknown>> = []): Array<Record<string, unknown>> {
  if (Array.isArray(v)) for (const x of v) walk(x, out);
  else if (v !== null && typeof v === 'object') {
    out.push(v as Record<string, unknown>);
    for (const x of Object.values(v)) walk(x, out);
  }
  return out;
}
