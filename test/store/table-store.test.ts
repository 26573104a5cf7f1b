import { startAzurite, type RunningAzurite } from '../helpers/azurite';
import { createStore } from '../../src/adapters/state-store';
import { loadConfig } from '../../src/config';
import { describeStoreContract } from './store-contract';
import type { StateStore } from '../../src/store/port';

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

const open = (): Promise<StateStore> =>
  createStore(
    loadConfig({ REMEDIATOR_STORAGE_CONNECTION: azurite.connectionString }),
    { warn: () => undefined },
    { retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 50 } },
  );

describeStoreContract('table storage (Azurite)', open);

describe('table store across clients', () => {
  it('is a Table store when a connection string is configured (AzureWebJobsStorage too)', async () => {
    expect((await open()).kind).toBe('table');
    const viaWebJobs = await createStore(loadConfig({ AzureWebJobsStorage: azurite.connectionString }), {
      warn: () => undefined,
    });
    expect(viaWebJobs.kind).toBe('table');
  });

  it('two separate store instances (as two Function instances) share claims and counters', async () => {
    const a = await open();
    const b = await open();
    const key = `shared-${Date.now()}`;
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => (i % 2 ? a : b).claim('fix', key, { i })));
    expect(results.filter(Boolean)).toHaveLength(1);
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).increment('budget', key)));
    expect(await a.readCounter('budget', key)).toBe(10);
    expect(await b.readCounter('budget', key)).toBe(10);
  });
});
