/**
 * Emulator benchmark: start-up time (world load + HTTPS listen; the certificate is generated on the first start in a
 * process and cached, so both the cold and warm figure matter) and GET round trip through the real SDK client.
 * Run: `npx tsx bench/emulator.bench.ts`.
 */
import { join } from 'node:path';
import { ContainerAppsAPIClient } from '@azure/arm-appcontainers';
import { startEmulator } from '../emulator/server';
import { loadWorld } from '../emulator/world';
import { clientOptionsFor, staticCredential } from '../test/helpers/emulator';

export interface EmulatorBenchResult {
  startupMs: number;
  /** First start in the process, including certificate generation. */
  coldStartupMs: number;
  roundTripMedianMs: number;
  roundTripP99Ms: number;
  calls: number;
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

export async function runEmulatorBench(calls = 500): Promise<EmulatorBenchResult> {
  const world = loadWorld(join(__dirname, '..', 'test', 'worlds', 'seed-story.json'));
  let t0 = performance.now();
  const cold = await startEmulator({ world });
  const coldStartupMs = performance.now() - t0;
  await cold.stop();
  t0 = performance.now();
  const emulator = await startEmulator({ world });
  const startupMs = performance.now() - t0;
  try {
    const client = new ContainerAppsAPIClient(
      staticCredential,
      '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
      clientOptionsFor(emulator),
    );
    for (let i = 0; i < 20; i++) await client.containerApps.get('web-rg', 'web'); // warm up (TLS session, JIT)
    const samples: number[] = [];
    for (let i = 0; i < calls; i++) {
      const s = performance.now();
      await client.containerApps.get('web-rg', 'web');
      samples.push(performance.now() - s);
    }
    samples.sort((a, b) => a - b);
    const round = (n: number): number => Math.round(n * 1000) / 1000;
    return {
      startupMs: round(startupMs),
      coldStartupMs: round(coldStartupMs),
      roundTripMedianMs: round(percentile(samples, 50)),
      roundTripP99Ms: round(percentile(samples, 99)),
      calls,
    };
  } finally {
    await emulator.stop();
  }
}

if (require.main === module) {
  runEmulatorBench()
    .then((r) => console.log(JSON.stringify(r)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
