/**
 * The Container Apps lifecycle: identities completed the way ARM does, redeploys that create a revision whose every
 * image pull is evaluated (acr.ts), Single-mode traffic, the app's revision pointers, and restartRevision.
 */
import { deterministicGuid, keyOf, lastSegment, normalizePath, sameId, shortHash } from '../ids';
import { asArray, clone, mergePatch, normalizeLocation, obj, stableStringify, str } from '../values';
import { parseImage, type AcrPulls } from './acr';
import type { KeyVaultReads } from './key-vault';
import { NotFoundError, type Resource, type ResourceStore } from './store';

const T_REVISION = 'microsoft.app/containerapps/revisions';

export class ContainerAppsLifecycle {
  constructor(
    private readonly store: ResourceStore,
    private readonly acr: AcrPulls,
    private readonly keyVault?: KeyVaultReads,
  ) {}

  /** Principal the app pulls `image` with, per its `configuration.registries[]` (undefined = none usable). */
  pullIdentity(app: Resource, image: string): { principalId?: string; adminCredentials?: boolean; username?: string } {
    const server = parseImage(image)?.server;
    const props = obj(app.properties);
    const registries = asArray(obj(props['configuration'])['registries']).map(obj);
    const entry = registries.find((r) => str(r['server'])?.toLowerCase() === server);
    if (!entry) return {};
    const identity = obj(app['identity']);
    const ref = str(entry['identity']);
    if (ref === undefined || ref === '') {
      const username = str(entry['username']);
      return username && str(entry['passwordSecretRef']) ? { adminCredentials: true, username } : {};
    }
    if (ref.toLowerCase() === 'system') {
      const type = str(identity['type'])?.toLowerCase() ?? '';
      const pid = type.includes('systemassigned') ? str(identity['principalId']) : undefined;
      return pid ? { principalId: pid } : {};
    }
    const uais = obj(identity['userAssignedIdentities']);
    const key = Object.keys(uais).find((k) => sameId(k, ref));
    if (key === undefined) return {};
    const pid = str(obj(uais[key])['principalId']) ?? str(obj(this.store.get(ref)?.properties)['principalId']);
    return pid ? { principalId: pid } : {};
  }

  /** Fill in system / user-assigned identity principal ids the way ARM does when an app is created or updated. */
  completeIdentity(app: Resource): void {
    const identity = obj(app['identity']);
    if (Object.keys(identity).length === 0) return;
    const type = str(identity['type'])?.toLowerCase() ?? '';
    const out: Record<string, unknown> = { ...identity };
    if (type.includes('systemassigned')) {
      out['principalId'] ??= deterministicGuid('system-identity', keyOf(app.id));
      out['tenantId'] ??= this.store.tenantId;
    } else {
      delete out['principalId'];
      delete out['tenantId'];
    }
    const uais = obj(identity['userAssignedIdentities']);
    const filled: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(uais)) {
      const res = this.store.get(k);
      const rp = obj(res?.properties);
      filled[k] = {
        principalId: str(obj(v)['principalId']) ?? str(rp['principalId']),
        clientId: str(obj(v)['clientId']) ?? str(rp['clientId']),
      };
    }
    if (Object.keys(uais).length > 0) out['userAssignedIdentities'] = filled;
    app['identity'] = out;
  }

  /** Evaluate every container and init container image of `template` for `app`; the provisioning error when one fails. */
  evaluateTemplate(
    app: Resource,
    template: Record<string, unknown>,
  ): { ok: true } | { ok: false; provisioningError: string; servers: string[] } {
    const failures: string[] = [];
    const servers: string[] = [];
    const props = obj(app.properties);
    const environmentId = str(props['managedEnvironmentId']) ?? str(props['environmentId']);
    for (const [field, list] of [
      ['initContainers', asArray(template['initContainers'])],
      ['containers', asArray(template['containers'])],
    ] as const) {
      for (const c of list.map(obj)) {
        const image = str(c['image']);
        if (!image) continue;
        const who = this.pullIdentity(app, image);
        const verdict = this.acr.canPull(who.principalId, image, {
          ...(who.adminCredentials ? { adminCredentials: true } : {}),
          ...(who.username ? { username: who.username } : {}),
          ...(environmentId ? { environmentId } : {}),
        });
        if (!verdict.ok) servers.push(parseImage(image)?.server ?? '');
        if (!verdict.ok)
          failures.push(
            `Field 'template.${field}.${str(c['name']) ?? 'container'}.image' is invalid with details: 'Invalid value: "${image}": ${verdict.error}'`,
          );
      }
    }
    if (failures.length === 0) return { ok: true };
    const name = lastSegment(app.id);
    return {
      ok: false,
      provisioningError: `Failed to provision revision for container app '${name}'. Error details: The following field(s) are either invalid or missing. ${failures.join('; ')};..`,
      servers,
    };
  }

  /**
   * The synchronous refusal of a write whose image pull fails from a registry the world says refuses (`pullRefusals`):
   * ARM's 400 `InvalidParameterValueInContainerTemplate` message, or undefined when the write goes ahead.
   */
  findRefusal(app: Resource, template: Record<string, unknown>): string | undefined {
    const secretRefusal = this.keyVault?.findSecretRefusal(app);
    if (secretRefusal) return secretRefusal;
    const refusals = this.store.pullRefusals;
    if (refusals !== 'all' && refusals.size === 0) return undefined;
    const verdict = this.evaluateTemplate(app, template);
    if (verdict.ok) return undefined;
    if (refusals !== 'all' && !verdict.servers.some((s) => refusals.has(s))) return undefined;
    return verdict.provisioningError.replace(
      /^Failed to provision revision for container app '[^']*'\. Error details: /,
      '',
    );
  }

  revisionsOf(appId: string): Resource[] {
    const prefix = `${keyOf(appId)}/revisions/`;
    return this.store.ofType(T_REVISION).filter((r) => keyOf(r.id).startsWith(prefix));
  }

  /**
   * Apply a PUT (replace) or PATCH (merge) of a container app. Creates a new revision when the app is new, its template
   * changed, or a new `template.revisionSuffix` was given; returns the provisioning outcome.
   */
  writeContainerApp(
    id: string,
    body: Record<string, unknown>,
    mode: 'put' | 'patch',
  ): { app: Resource; created: boolean; revision?: Resource; error?: string; refused?: string } {
    const existing = this.store.get(id);
    const now = this.store.nowIso();
    const name = lastSegment(id);
    let app: Resource;
    if (mode === 'patch') {
      if (!existing) throw new NotFoundError(id);
      app = mergePatch(existing, body) as Resource;
    } else {
      app = {
        ...clone(body),
        id: existing?.id ?? normalizePath(id),
        name: existing?.name ?? name,
        type: 'Microsoft.App/containerApps',
      };
      if (existing?.['systemData']) app['systemData'] = existing['systemData'];
      // keep a system identity's principal across PUTs
      const oldIdentity = obj(existing?.['identity']);
      if (oldIdentity['principalId'] && str(obj(app['identity'])['type'])?.toLowerCase().includes('systemassigned'))
        app['identity'] = {
          ...obj(app['identity']),
          principalId: oldIdentity['principalId'],
          tenantId: oldIdentity['tenantId'],
        };
    }
    app.id = existing?.id ?? normalizePath(id);
    app.type = existing?.type ?? 'Microsoft.App/containerApps';
    this.completeIdentity(app);
    const sd = obj(app['systemData']);
    app['systemData'] = { ...sd, createdAt: sd['createdAt'] ?? now, lastModifiedAt: now };
    const props = { ...obj(app.properties) };
    const template = obj(props['template']);
    const oldTemplate = obj(obj(existing?.properties)['template']);
    const suffix = str(template['revisionSuffix']);
    const changed =
      !existing ||
      stableStringify({ ...template, revisionSuffix: undefined }) !==
        stableStringify({ ...oldTemplate, revisionSuffix: undefined }) ||
      (suffix !== undefined && suffix !== str(oldTemplate['revisionSuffix']));
    app.properties = props;
    // Key Vault secret references are read on every write: one the identity cannot read refuses it (no revision).
    const secretRefusal = this.keyVault?.findSecretRefusal(app);
    if (secretRefusal) return { app: existing ?? app, created: false, refused: secretRefusal };
    if (!changed) {
      this.store.put(app);
      return { app, created: !existing };
    }
    const refusal = existing ? this.findRefusal(app, template) : undefined;
    if (refusal) return { app: existing as Resource, created: false, refused: refusal };
    let revName = suffix ? `${name}--${suffix}` : undefined;
    if (!revName || this.store.get(`${app.id}/revisions/${revName}`))
      revName = `${name}--${shortHash(keyOf(app.id), String(this.store.nextCounter()))}`;
    const result = this.provisionRevision(app, template, revName);
    return { app, created: !existing, revision: result.revision, ...(result.error ? { error: result.error } : {}) };
  }

  /** Create (or re-provision) revision `revName` of `app` with `template`, updating the app's revision pointers. */
  provisionRevision(
    app: Resource,
    template: Record<string, unknown>,
    revName: string,
  ): { revision: Resource; error?: string } {
    const now = this.store.nowIso();
    const props = { ...obj(app.properties) };
    const verdict = this.evaluateTemplate(app, template);
    const fqdnDomain =
      str(props['latestRevisionFqdn'])?.split('.').slice(1).join('.') ??
      `${shortHash(keyOf(app.id))}.${normalizeLocation(str(app['location']) ?? 'westeurope')}.azurecontainerapps.io`;
    const revId = `${app.id}/revisions/${revName}`;
    const existingRev = this.store.get(revId);
    const single = str(obj(props['configuration'])['activeRevisionsMode'])?.toLowerCase() !== 'multiple';
    const { revisionSuffix: _suffix, ...revTemplate } = template;
    const revision: Resource = {
      id: existingRev?.id ?? revId,
      name: revName,
      type: 'Microsoft.App/containerApps/revisions',
      properties: {
        createdTime: str(obj(existingRev?.properties)['createdTime']) ?? now,
        lastActiveTime: now,
        fqdn: `${revName}.${fqdnDomain}`,
        template: clone(revTemplate),
        active: verdict.ok,
        replicas: verdict.ok ? Math.max(1, Number(obj(template['scale'])['minReplicas'] ?? 1)) : 0,
        trafficWeight: verdict.ok && single ? 100 : 0,
        healthState: verdict.ok ? 'Healthy' : 'Unhealthy',
        provisioningState: verdict.ok ? 'Provisioned' : 'Failed',
        runningState: verdict.ok ? 'Running' : 'Failed',
        ...(verdict.ok ? {} : { provisioningError: verdict.provisioningError }),
      },
    };
    this.store.put(revision);
    if (verdict.ok && single) {
      for (const other of this.revisionsOf(app.id)) {
        if (sameId(other.id, revision.id)) continue;
        const op = obj(other.properties);
        if (op['active'] === true)
          this.store.put({
            ...other,
            properties: { ...op, active: false, trafficWeight: 0, replicas: 0, runningState: 'Stopped' },
          });
      }
    }
    props['latestRevisionName'] = revName;
    props['latestRevisionFqdn'] = `${revName}.${fqdnDomain}`;
    if (verdict.ok) props['latestReadyRevisionName'] = revName;
    props['provisioningState'] = verdict.ok ? 'Succeeded' : 'Failed';
    props['runningStatus'] = props['runningStatus'] ?? 'Running';
    app.properties = props;
    this.store.put(app);
    return verdict.ok ? { revision } : { revision, error: verdict.provisioningError };
  }

  /** restartRevision: re-evaluate the revision's pulls with the app's current registries and identities. */
  restartRevision(appId: string, revName: string): { revision: Resource; error?: string } {
    const app = this.store.get(appId);
    if (!app) throw new NotFoundError(appId);
    const rev = this.store.get(`${app.id}/revisions/${revName}`);
    if (!rev) throw new NotFoundError(`${app.id}/revisions/${revName}`);
    const template = obj(obj(rev.properties)['template']);
    const latest = str(obj(app.properties)['latestRevisionName']);
    if (latest && latest.toLowerCase() === revName.toLowerCase())
      return this.provisionRevision(app, template, rev.name ?? revName);
    // not the latest revision: update the revision only
    const verdict = this.evaluateTemplate(app, template);
    const p = { ...obj(rev.properties) };
    delete p['provisioningError'];
    Object.assign(p, {
      provisioningState: verdict.ok ? 'Provisioned' : 'Failed',
      runningState: verdict.ok ? 'Running' : 'Failed',
      healthState: verdict.ok ? 'Healthy' : 'Unhealthy',
      lastActiveTime: this.store.nowIso(),
      ...(verdict.ok ? {} : { provisioningError: verdict.provisioningError }),
    });
    const updated = { ...rev, properties: p };
    this.store.put(updated);
    return verdict.ok ? { revision: updated } : { revision: updated, error: verdict.provisioningError };
  }
}
