/**
 * A stalled ARM connection must not hold an invocation until the Functions timeout: every attempt has a time limit,
 * and what surfaces is a transient error (so Event Grid redelivers) — at the adapter and through the pipeline.
 */
import { createSdkArmPort } from '../../src/adapters/sdk-arm';
import { isTransientError } from '../../src/errors';
import { startHarness } from '../../src/local/harness';
import { loadWorld } from '../../emulator';
import { startTestEmulator, staticCredential } from '../helpers/emulator';

const APP =
  '/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/resourceGroups/web-rg/providers/Microsoft.App/containerApps/web';

describe('per-attempt request timeout', () => {
  it('the adapter aborts a request the server holds, with a transient error, after its retries', async () => {
    const emu = await startTestEmulator('test/worlds/seed-story.json');
    try {
      // The server holds every container-app GET for 2 minutes (longer than this test may run): only the client's
      // per-attempt limit can end it. The limit leaves a loaded machine time to reach the server (TLS included).
      emu.addFault({ method: 'GET', path: '/containerApps/web$', kind: 'timeout', ms: 120_000 });
      const arm = createSdkArmPort({
        endpoint: emu.endpoint,
        credential: staticCredential,
        tlsCa: emu.ca,
        retryOptions: { maxRetries: 1, retryDelayInMs: 1, maxRetryDelayInMs: 1 },
        requestTimeoutMs: 2_000,
      });
      const err = await arm.getContainerApp(APP).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeDefined();
      expect(isTransientError(err)).toBe(true);
      const gets = emu.requestLog.filter((r) => r.method === 'GET' && /containerApps\/web$/i.test(r.path));
      expect(gets.length).toBeGreaterThanOrEqual(1);
    } finally {
      await emu.stop();
    }
  });

  it('through the pipeline a stalled read makes the delivery throw for retry, and the redelivery completes', async () => {
    const harness = await startHarness({
      world: loadWorld('test/worlds/seed-story.json'),
      azurite: false,
      retry: { maxRetries: 0 },
      // 1 s, not 150 ms: the redelivery's real requests must fit in it on a loaded 2-core machine (with jest on
      // Node 22 and the whole suite running, 150 ms was missed now and then)
      requestTimeoutMs: 1000,
    });
    try {
      // The first container-app GET stalls for 2 minutes: only the 1 s per-attempt limit ends it.
      harness.emulator.addFault({ method: 'GET', path: '/containerApps/web$', kind: 'timeout', ms: 120_000, times: 1 });
      const event = (await import('../worlds/seed-story.event.json')).default as unknown;
      const first = await harness.deliver(event).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isTransientError(first)).toBe(true);
      const again = await harness.deliver(event);
      expect(again[0]?.status).toBe('diagnosed');
      expect(again[0]?.diagnosis?.kind).toBe('acr-pull/missing-role');
    } finally {
      await harness.stop();
    }
  });
});
