import { createMemoryStore } from '../../src/store/memory-store';
import { createStore } from '../../src/adapters/state-store';
import { loadConfig } from '../../src/config';
import { describeStoreContract } from './store-contract';

describeStoreContract('memory', async () => createMemoryStore());

describe('createStore without storage settings', () => {
  it('falls back to the memory store and warns that it is single-instance only', async () => {
    const warnings: string[] = [];
    const store = await createStore(loadConfig({}), {
      warn: (_o: object, msg?: string) => void warnings.push(msg ?? ''),
    });
    expect(store.kind).toBe('memory');
    expect(warnings.join(' ')).toMatch(/single instance/i);
  });
});
