/**
 * Microsoft.App container apps (ContainerAppsAPIClient): PUT/PATCH of an app as a long-running operation that
 * redeploys (../state/container-apps.ts) and fails with `ContainerAppOperationError` when a pull fails (or, where the
 * world's `pullRefusals` say so, refuses it at once with 400 `InvalidParameterValueInContainerTemplate`), and
 * `revisions/{rev}/restart`. Reads of apps and revisions are the generic resource reads.
 */
import { orNotFound, type Reply } from '../http/context';
import { obj } from '../values';
import { isWriteOf, type Provider } from './provider';

const RESTART_PATH =
  /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.app\/containerapps\/[^/]+)\/revisions\/([^/]+)\/restart$/i;

export const containerAppsProvider: Provider = {
  name: 'Microsoft.App',
  stage: 'subscription',
  route(ctx, arm) {
    const { state } = arm;
    const restart = RESTART_PATH.exec(ctx.path);
    if (restart && ctx.method === 'POST') {
      ctx.write = true;
      const result = orNotFound(() => state.apps.restartRevision(restart[1] ?? '', restart[2] ?? ''));
      arm.events.raise(ctx, 'Action', true, result.revision.id, 'Microsoft.App/containerApps/revisions/restart/action');
      return { status: 200 };
    }
    if (!isWriteOf(ctx, 'microsoft.app/containerapps')) return undefined;
    ctx.write = true;
    const mode = ctx.method === 'PATCH' ? 'patch' : 'put';
    const result = orNotFound(() => state.apps.writeContainerApp(ctx.path, ctx.body, mode));
    if (result.refused) {
      // Refused before any revision exists: 400, the app unchanged, a Failed event and Activity Log entry.
      const refusal = { code: 'InvalidParameterValueInContainerTemplate', message: result.refused };
      arm.events.raise(ctx, 'Write', false, result.app.id, 'Microsoft.App/containerApps/write', refusal);
      return { status: 400, body: { error: refusal } };
    }
    const error = result.error ? { code: 'ContainerAppOperationError', message: result.error } : undefined;
    arm.events.raise(ctx, 'Write', !error, result.app.id, 'Microsoft.App/containerApps/write', error);
    const initial: Reply =
      mode === 'patch'
        ? { status: 202 }
        : {
            status: result.created ? 201 : 200,
            body: { ...result.app, properties: { ...obj(result.app.properties), provisioningState: 'InProgress' } },
          };
    return arm.lro.start(ctx, result.app.id, error, initial);
  },
};
