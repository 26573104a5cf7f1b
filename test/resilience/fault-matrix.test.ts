/**
 * Fault matrix: for every ARM call the pipeline makes for the seed story in auto-fix (read from the emulator's request
 * log of a clean run, heal step included), inject a 429 (Retry-After 0), a 500, a 503, a timeout (the server holds
 * the request, then drops the socket) and a dropped connection, each outlasting the SDK's retries once. Then:
 * - every delivery either completes or rejects with an error `isTransientError` accepts (Event Grid retries it);
 * - the redelivery of the same event completes it: missing-role diagnosed, the role assigned, the app healed;
 * - no write happened twice (successful role-assignment PUTs exactly one, container-app PATCHes one per redeploy
 *   attempt the heal reports);
 * - the event has an audit record.
 */
import type { FaultKind, FaultRule } from '../../emulator/api';
import { isTransientError } from '../../src/errors';
import { startHarness, type Harness } from '../../src/local/harness';
import type { Outcome } from '../../src/model';
import { ROLE_IDS } from '../../src/model';
import { distinctCalls, isAppWrite, isRoleAssignmentPut, seedEvent, seedWorld, succeeded } from './seed';

jest.setTimeout(60_000);

const RETRY = { maxRetries: 1, retryDelayInMs: 1, maxRetryDelayInMs: 5 };
/** Each fault hits this many matching requests: more than one delivery's SDK attempts (maxRetries 1 → 2 attempts). */
const FAULT_TIMES = 3;
const MAX_DELIVERIES = 5;

function faultFor(
  kind: Exclude<FaultKind, 'error' | 'latency'> | '500' | '503',
  method: string,
  path: string,
): FaultRule {
  const base = { method, path, times: FAULT_TIMES };
  switch (kind) {
    case 'throttle':
      return { ...base, kind: 'throttle', retryAfterSeconds: 0 };
    case '500':
      return { ...base, kind: 'error', status: 500 };
    case '503':
      return { ...base, kind: 'error', status: 503 };
    case 'timeout':
      return { ...base, kind: 'timeout', ms: 30 };
    case 'drop':
      return { ...base, kind: 'drop' };
  }
}

async function startSeed(): Promise<Harness> {
  return startHarness({ world: seedWorld(), mode: 'auto-fix', azurite: false, retry: RETRY });
}

let calls: Array<{ method: string; route: string }> = [];

beforeAll(async () => {
  const h = await startSeed();
  try {
    const out = await h.deliver([seedEvent()]);
    const settled = await h.settle(out);
    expect(settled[0]?.heal?.status).toBe('healed');
    calls = distinctCalls(h.emulator.requestLog);
  } finally {
    await h.stop();
  }
});

it('the clean run makes the reads, the role-assignment PUT, the redeploy PATCH and its polls', () => {
  const methods = calls.map((c) => `${c.method} ${c.route}`).join('\n');
  expect(methods).toMatch(/^GET .*containerApps\/web\$$/m);
  expect(methods).toMatch(/^GET .*revisions\/web--v7\$$/m);
  expect(methods).toMatch(/^PUT .*roleAssignments\/\[\^\/\]\+\$$/m);
  expect(methods).toMatch(/^PATCH .*containerApps\/web\$$/m);
  expect(calls.length).toBeGreaterThanOrEqual(10);
});

interface ScenarioResult {
  call: string;
  deliveries: number;
  thrown: string[];
  problems: string[];
}

async function runScenario(
  kind: Parameters<typeof faultFor>[0],
  call: { method: string; route: string },
): Promise<ScenarioResult> {
  const h = await startSeed();
  const res: ScenarioResult = { call: `${call.method} ${call.route}`, deliveries: 0, thrown: [], problems: [] };
  try {
    h.emulator.addFault(faultFor(kind, call.method, call.route));
    const event = seedEvent();
    let outcomes: Outcome[] | undefined;
    while (!outcomes && res.deliveries < MAX_DELIVERIES) {
      res.deliveries++;
      try {
        outcomes = await h.deliver([event]);
      } catch (err) {
        res.thrown.push(err instanceof Error ? err.message.slice(0, 120) : String(err));
        if (!isTransientError(err))
          res.problems.push(`delivery ${res.deliveries} threw a NON-transient error: ${String(err)}`);
      }
    }
    if (!outcomes) {
      res.problems.push(`not completed after ${MAX_DELIVERIES} deliveries`);
      return res;
    }
    const settled = await h.settle(outcomes);
    const o = settled[0];
    if (o?.status !== 'diagnosed' || o.diagnosis?.kind !== 'acr-pull/missing-role')
      res.problems.push(`outcome ${o?.status} ${o?.diagnosis?.kind ?? ''} ${o?.diagnosis?.summary ?? ''}`);
    const actions = (o?.actions ?? []).map((a) => `${a.type}:${a.status}`);
    if (actions.join() !== 'assign-role:applied,redeploy-revision:applied')
      res.problems.push(`actions ${actions.join()}`);
    if (o?.heal?.status !== 'healed') res.problems.push(`heal ${o?.heal?.status ?? 'none'} ${o?.heal?.detail ?? ''}`);
    const log = h.emulator.requestLog;
    const roleWrites = log.filter((r) => isRoleAssignmentPut(r) && succeeded(r)).length;
    const appWrites = log.filter((r) => isAppWrite(r) && succeeded(r)).length;
    if (roleWrites !== 1) res.problems.push(`${roleWrites} successful role-assignment PUTs`);
    // one write per redeploy attempt of the adaptive schedule (the heal says how many it made)
    const attempts = o?.status === 'diagnosed' ? (o.heal?.attempts ?? 1) : 1;
    if (appWrites !== attempts)
      res.problems.push(`${appWrites} successful container-app writes for ${attempts} redeploy attempts`);
    const assignments = h.emulator
      .snapshot()
      .resources.filter((r) => /roleAssignments\//i.test(r.id))
      .filter(
        (r) =>
          JSON.stringify(r).includes(ROLE_IDS.acrPull) &&
          JSON.stringify(r).includes('7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d'),
      );
    if (assignments.length !== 1)
      res.problems.push(`${assignments.length} AcrPull assignments for the identity in the world`);
    const audit = await h.store.listAudit({ eventId: String(event['id']) });
    if (!audit.some((a) => a.status === 'diagnosed'))
      res.problems.push(`no 'diagnosed' audit record (${audit.map((a) => a.status).join()})`);
    return res;
  } finally {
    await h.stop();
  }
}

describe.each(['throttle', '500', '503', 'timeout', 'drop'] as const)('fault %s on each ARM call', (kind) => {
  it('every delivery completes or throws for retry; the redelivery completes; no duplicate writes; audited', async () => {
    const results: ScenarioResult[] = [];
    for (const call of calls) results.push(await runScenario(kind, call));
    const failures = results.filter((r) => r.problems.length > 0);
    if (process.env['SHOW_MATRIX'])
      console.log(kind, results.map((r) => `${r.call.slice(0, 90)} deliveries=${r.deliveries}`).join('\n'));
    expect(failures).toEqual([]);
    // The faults were real: at least the reads of the diagnosis made a delivery throw for retry.
    expect(results.filter((r) => r.thrown.length > 0).length).toBeGreaterThan(0);
    expect(results).toHaveLength(calls.length);
  });
});
