/**
 * HealScheduler over an Azure Storage Queue: each HealTask is a message made visible after the delay
 * (`visibilityTimeout`, at most 7 days). The Functions queue trigger (src/functions/heal-check.ts) runs it.
 * Messages are base64-encoded JSON (the Functions queue extension's default encoding).
 */
import { QueueClient } from '@azure/storage-queue';
import type { TokenCredential } from '@azure/identity';
import type { Config } from '../config';
import type { HealScheduler, HealTask } from '../remediate/heal-task';
import { encodeHealMessage } from '../remediate/heal-task';

const MAX_VISIBILITY_SECONDS = 7 * 24 * 3600;

export class QueueHealScheduler implements HealScheduler {
  private ready: Promise<void> | undefined;
  constructor(readonly queue: QueueClient) {}

  private ensureQueue(): Promise<void> {
    this.ready ??= this.queue.createIfNotExists().then(
      () => undefined,
      (err: unknown) => {
        this.ready = undefined;
        throw err;
      },
    );
    return this.ready;
  }

  async schedule(task: HealTask, delayMs: number): Promise<void> {
    await this.ensureQueue();
    const visibilityTimeout = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
    await this.queue.sendMessage(encodeHealMessage(task), { visibilityTimeout });
  }
}

/** Queue service URL from a storage account URL given for tables or queues (`https://acct.table.core.windows.net`). */
export function toQueueServiceUrl(accountUrl: string): string {
  return accountUrl.replace(/\.table\./i, '.queue.').replace(/\/+$/, '');
}

/** Where heal tasks go: the configured storage's queue; with in-memory storage there is no queue (warned, dropped). */
export async function createHealScheduler(
  config: Pick<Config, 'storage' | 'healQueue' | 'azureClientId'>,
  log: { warn(obj: object, msg?: string): void },
  opts: { credential?: TokenCredential } = {},
): Promise<HealScheduler> {
  switch (config.storage.kind) {
    case 'connection-string':
      return new QueueHealScheduler(new QueueClient(config.storage.connectionString, config.healQueue));
    case 'account-url': {
      const { DefaultAzureCredential } = await import('@azure/identity');
      const credential =
        opts.credential ??
        new DefaultAzureCredential(config.azureClientId ? { managedIdentityClientId: config.azureClientId } : {});
      return new QueueHealScheduler(
        new QueueClient(`${toQueueServiceUrl(config.storage.accountUrl)}/${config.healQueue}`, credential),
      );
    }
    case 'memory':
      log.warn(
        { queue: config.healQueue },
        'no storage configured: redeploys after a wait and heal checks cannot be scheduled and are skipped',
      );
      return {
        durable: false,
        async schedule(task: HealTask, delayMs: number): Promise<void> {
          log.warn(
            { eventId: task.eventId, appId: task.appId, phase: task.phase, delayMs },
            'heal step NOT scheduled (no storage queue configured)',
          );
        },
      };
    default: {
      const never: never = config.storage;
      throw new Error(`unknown storage ${JSON.stringify(never)}`);
    }
  }
}
