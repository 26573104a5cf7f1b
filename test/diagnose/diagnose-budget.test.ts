/**
 * The request budget of a diagnosed ACR-pull event (seed story), measured by bench/diagnose.bench.ts from the
 * emulator's request log: ≤ 4 ARM requests warm, ≤ 6 cold, ≤ 3 sequential round trips; ignored events make none.
 */
import { runDiagnoseBench } from '../../bench/diagnose.bench';

it('stays within the ARM request and round-trip budget', async () => {
  const r = await runDiagnoseBench(40);
  expect(r.kind).toBe('acr-pull/missing-role');
  expect(r.warmRequests).toBeLessThanOrEqual(4);
  expect(r.coldRequests).toBeLessThanOrEqual(6);
  expect(r.coldRequests).toBeGreaterThan(r.warmRequests); // the caches do work
  expect(r.criticalPathRoundTrips).toBeGreaterThanOrEqual(1);
  expect(r.criticalPathRoundTrips).toBeLessThanOrEqual(3);
  expect(r.ignoredRequests).toBe(0);
});
