/**
 * HealScheduler over an Azure Storage Queue: each HealTask is a message made visible after the delay
 * (`visibilityTimeout`, at most 7 days). The Functions queue trigger (src/functions/heal-check.ts) runs it.
 * Messages are base64-encoded JSON (the Functions queue extension's default encoding).
 */
import { QueueClient } from '@azure/storage-queue';
import type { TokenCredential } from '@azure/identity';
import type { Config } from '../config';
import type { HealScheduler, HealTask } from './heal';

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

export function encodeHealMessage(task: HealTask): string {
  return Buffer.from(JSON.stringify(task), 'utf8').toString('base64');
}

/** A queue message as the trigger hands it over (already parsed JSON, a JSON string, or base64 JSON) → HealTask. */
export function decodeHealMessage(message: unknown): HealTask {
  let v: unknown = message;
  if (typeof v === 'string') {
    const s = v.trim();
    v = JSON.parse(s.startsWith('{') ? s : Buffer.from(s, 'base64').toString('utf8'));
  }
  const t = v as Partial<HealTask> | null;
  if (
    !t ||
    typeof t !== 'object' ||
    typeof t.id !== 'string' ||
    typeof t.appId !== 'string' ||
    typeof t.claimKey !== 'string' ||
    typeof t.revisionSuffix !== 'string' ||
    (t.phase !== 'redeploy' && t.phase !== 'check')
  ) {
    throw new TypeError('not a heal task message');
  }
  return t as HealTask;
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
