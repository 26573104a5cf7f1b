/**
 * Cost that does not grow with the tenant: ARM requests of one cold-cache diagnosis of the seed story's ACR-pull event
 * in worlds of 1, 50 and 500 subscriptions (test/worlds/tenant-world.ts: each extra subscription has a registry and a
 * container app of its own), through the real SDK adapter against the emulator. With Resource Graph (one paged query
 * for the login server's registry) and, for comparison, where Resource Graph is refused (403: the per-subscription
 * listing the remediator falls back to).
 * Run alone: `npx tsx bench/tenant.bench.ts`.
 */
import { join } from 'node:path';
import { startEmulator } from '../emulator/server';
import { loadWorld } from '../emulator/world';
import { createSdkArmPort } from '../src/adapters/sdk-arm';
import { diagnose } from '../src/diagnose';
import { staticCredential } from '../test/helpers/emulator';
import { loadEvent } from '../test/diagnose/event-helpers';
import { buildTenantWorld } from '../test/worlds/tenant-world';

const WORLDS = join(__dirname, '..', 'test', 'worlds');

export interface TenantBenchRow {
  subscriptions: number;
  /** Cold caches, Resource Graph allowed. */
  coldRequests: number;
  /** Cold caches, Resource Graph refused (the listing fallback). */
  coldRequestsWithoutGraph: number;
  kind: string;
}

async function coldDiagnosis(subscriptions: number, refuseGraph: boolean): Promise<{ requests: number; kind: string }> {
  const world = buildTenantWorld(loadWorld(join(WORLDS, 'seed-story.json')), subscriptions);
  const emulator = await startEmulator({ world });
  try {
    if (refuseGraph) emulator.addFault({ path: 'Microsoft.ResourceGraph/resources$', kind: 'error', status: 403 });
    const arm = createSdkArmPort({
      endpoint: emulator.endpoint,
      credential: staticCredential,
      tlsCa: emulator.ca,
      clock: emulator.clock,
      retryOptions: { maxRetries: 0 },
    });
    const event = loadEvent(join(WORLDS, 'seed-story.event.json'));
    emulator.clearRequestLog();
    const d = await diagnose(event, { arm, clock: emulator.clock, config: { propagationWindowMs: 10 * 60_000 } });
    return { requests: emulator.requestLog.length, kind: d.kind };
  } finally {
    await emulator.stop();
  }
}

export async function runTenantBench(sizes: readonly number[] = [1, 50, 500]): Promise<TenantBenchRow[]> {
  const rows: TenantBenchRow[] = [];
  for (const subscriptions of sizes) {
    const withGraph = await coldDiagnosis(subscriptions, false);
    const without = await coldDiagnosis(subscriptions, true);
    rows.push({
      subscriptions,
      coldRequests: withGraph.requests,
      coldRequestsWithoutGraph: without.requests,
      kind: withGraph.kind,
    });
  }
  return rows;
}

if (require.main === module) {
  runTenantBench()
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
