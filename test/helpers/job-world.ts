/**
 * A scheduled Container Apps job `nightly` for the seed worlds' cast (issue 14), shaped as ARM returns `Microsoft.App/jobs`
 * on GET: the same identity and environment as app `web`, pulling `image` from acmeacr with user-assigned web-pull.
 */
import type { World } from '../../emulator/api';
import { UAI_ID } from '../worlds/build-worlds';

/**
 * `world` (a seed world with app `web`) with job `nightly` added next to the app; `trigger` replaces its trigger
 * (`{ triggerType: 'Manual' }`, an other cron, an event trigger).
 */
export function withNightlyJob(world: World, image: string, trigger: Record<string, unknown> = {}): World {
  const w = structuredClone(world);
  const app = w.resources.find((r) => r.type === 'Microsoft.App/containerApps');
  if (!app) throw new Error('the world has no container app');
  w.resources.push({
    id: app.id.replace(/containerApps\/web$/, 'jobs/nightly'),
    type: 'Microsoft.App/jobs',
    name: 'nightly',
    location: 'West Europe',
    identity: structuredClone(app['identity']),
    properties: {
      provisioningState: 'Succeeded',
      environmentId: (app['properties'] as Record<string, unknown>)['environmentId'],
      workloadProfileName: 'Consumption',
      configuration: {
        triggerType: 'Schedule',
        replicaTimeout: 1800,
        replicaRetryLimit: 1,
        scheduleTriggerConfig: { cronExpression: '0 2 * * *', parallelism: 1, replicaCompletionCount: 1 },
        registries: [{ server: 'acmeacr.azurecr.io', identity: UAI_ID }],
        ...trigger,
      },
      template: { containers: [{ name: 'worker', image, resources: { cpu: 0.5, memory: '1Gi' } }] },
    },
  });
  return w;
}
