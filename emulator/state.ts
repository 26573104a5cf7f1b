/**
 * The emulator's in-memory ARM state and the semantics the remediator depends on: RBAC (inheritance, management groups,
 * deny assignments, propagation delay), registry pulls (network, auth-as-arm, legacy vs ABAC mode, image existence)
 * and container app redeploys (a new revision whose pulls are re-evaluated). No HTTP here: see server.ts.
 */
import type { EmulatorClock, LroStyle, World } from './api';
import { BUILT_IN_CREATED_ON, BUILT_IN_ROLES, type Permission } from './builtin-roles';
import {
  deterministicGuid,
  isAtOrAbove,
  keyOf,
  lastSegment,
  normalizePath,
  sameGuid,
  sameId,
  shortHash,
  subscriptionOf,
} from './ids';

export type Resource = Record<string, unknown> & {
  id: string;
  type: string;
  name?: string;
  properties?: Record<string, unknown>;
};

export const DEFAULT_TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const EVERYONE_PRINCIPAL_ID = '00000000-0000-0000-0000-000000000000';
export const PULL_ACTION = 'Microsoft.ContainerRegistry/registries/pull/read';
export const REPOSITORY_READ_DATA_ACTION = 'Microsoft.ContainerRegistry/registries/repositories/content/read';

const T_ROLE_ASSIGNMENT = 'microsoft.authorization/roleassignments';
const T_ROLE_DEFINITION = 'microsoft.authorization/roledefinitions';
const T_DENY = 'microsoft.authorization/denyassignments';
const T_REGISTRY = 'microsoft.containerregistry/registries';
const T_REVISION = 'microsoft.app/containerapps/revisions';
const T_MG = 'microsoft.management/managementgroups';

export type PullVerdict = { ok: true } | { ok: false; error: string };

export function createClock(now: string | undefined): EmulatorClock {
  if (now !== undefined) {
    let t = Date.parse(now);
    return {
      now: () => new Date(t),
      advance: (ms) => {
        t += ms;
      },
      set: (d) => {
        t = d.getTime();
      },
    };
  }
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance: (ms) => {
      offset += ms;
    },
    set: (d) => {
      offset = d.getTime() - Date.now();
    },
  };
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Deep merge for PATCH: objects merge recursively, arrays and scalars replace, null deletes. */
export function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (
      typeof v === 'object' &&
      !Array.isArray(v) &&
      typeof out[k] === 'object' &&
      out[k] !== null &&
      !Array.isArray(out[k])
    )
      out[k] = mergePatch(out[k] as Record<string, unknown>, v as Record<string, unknown>);
    else out[k] = clone(v);
  }
  return out;
}

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (typeof v === 'object' && v !== null)
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

// Deliberately its own copy (src/diagnose/rbac.ts has the remediator's): the stand-in for Azure must not share logic
// with the code it tests, or a shared bug would pass every test.
function wildcardMatch(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return re.test(action);
}

export function permissionsGrant(perms: Permission[] | undefined, action: string, data: boolean): boolean {
  return (perms ?? []).some((p) => {
    const allow = data ? p.dataActions : p.actions;
    const deny = data ? p.notDataActions : p.notActions;
    return (allow ?? []).some((a) => wildcardMatch(a, action)) && !(deny ?? []).some((a) => wildcardMatch(a, action));
  });
}

export interface ParsedImage {
  server: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export function parseImage(image: string): ParsedImage | undefined {
  const slash = image.indexOf('/');
  if (slash <= 0) return undefined;
  const server = image.slice(0, slash).toLowerCase();
  let rest = image.slice(slash + 1);
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!rest) return undefined;
  if (!digest && !tag) tag = 'latest';
  return {
    server,
    repository: rest,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

export interface OperationRecord {
  id: string;
  resourceId: string;
  status: 'Succeeded' | 'Failed';
  error?: { code: string; message: string };
  startTime: string;
  endTime: string;
  style: LroStyle;
  /** HTTP status for a failed Location-style poll. */
  failureStatus?: number;
}

export class EmulatorState {
  readonly clock: EmulatorClock;
  readonly propagationDelayMs: number;
  readonly tenantId: string;
  private readonly resources = new Map<string, Resource>();
  private readonly images: Map<string, Set<string>> | undefined;
  readonly activityLog: Array<Record<string, unknown>>;
  readonly lroStyles = new Map<string, LroStyle>();
  readonly operations = new Map<string, OperationRecord>();
  private counter = 0;

  constructor(world: World, opts: { propagationDelayMs?: number } = {}) {
    const w = clone(world);
    this.clock = createClock(w.now);
    this.propagationDelayMs = opts.propagationDelayMs ?? 5 * 60_000;
    for (const r of w.resources) this.put(this.normalizeResource(r));
    if (w.images) {
      this.images = new Map();
      for (const [server, list] of Object.entries(w.images))
        this.images.set(server.toLowerCase(), new Set(list.map((t) => t.toLowerCase())));
    }
    this.activityLog = w.activityLog ?? [];
    for (const [id, style] of Object.entries(w.lroStyles ?? {})) this.lroStyles.set(keyOf(id), style);
    const firstTenant = this.all()
      .map((r) => str(obj(r.properties)['tenantId']) ?? str(obj(r['identity'])['tenantId']))
      .find((t) => t !== undefined);
    this.tenantId = w.tenantId ?? firstTenant ?? DEFAULT_TENANT_ID;
    this.worldNowGiven = w.now !== undefined;
  }

  private readonly worldNowGiven: boolean;

  nextCounter(): number {
    return ++this.counter;
  }

  // ---- storage -------------------------------------------------------------------------------------------------

  private normalizeResource(r: Resource): Resource {
    const id = normalizePath(r.id);
    const out: Resource = { ...r, id };
    if (out.name === undefined) out.name = lastSegment(id);
    if (out.type.toLowerCase() === T_ROLE_ASSIGNMENT) {
      const props = obj(out.properties);
      if (props['scope'] === undefined) out.properties = { ...props, scope: scopeOfExtension(id) };
    }
    return out;
  }

  get(id: string): Resource | undefined {
    return this.resources.get(keyOf(id));
  }

  put(r: Resource): void {
    this.resources.set(keyOf(r.id), r);
  }

  delete(id: string): boolean {
    return this.resources.delete(keyOf(id));
  }

  all(): Resource[] {
    return [...this.resources.values()];
  }

  ofType(type: string): Resource[] {
    const t = type.toLowerCase();
    return this.all().filter((r) => r.type.toLowerCase() === t);
  }

  snapshot(): World {
    const world: World = {
      ...(this.worldNowGiven ? { now: this.clock.now().toISOString() } : {}),
      resources: clone(this.all()),
      ...(this.images ? { images: Object.fromEntries([...this.images].map(([s, set]) => [s, [...set]])) } : {}),
      activityLog: clone(this.activityLog),
      tenantId: this.tenantId,
      ...(this.lroStyles.size > 0 ? { lroStyles: Object.fromEntries(this.lroStyles) } : {}),
    };
    return world;
  }

  nowIso(): string {
    return this.clock.now().toISOString();
  }

  // ---- subscriptions, resource groups, management groups -------------------------------------------------------

  subscriptionIds(): string[] {
    const seen = new Map<string, string>();
    const add = (id: string | undefined): void => {
      const s = id ? subscriptionOf(id) : undefined;
      if (s && !seen.has(s.toLowerCase())) seen.set(s.toLowerCase(), s);
    };
    for (const r of this.all()) {
      add(r.id);
      add(str(obj(r.properties)['scope']));
      for (const c of asArray(obj(r.properties)['children'])) add(str(obj(c)['id']));
    }
    return [...seen.values()];
  }

  resourceGroups(subscriptionId: string): Array<{ name: string; location: string }> {
    const seen = new Map<string, { name: string; location: string }>();
    for (const r of this.all()) {
      const m = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)/i.exec(r.id);
      if (!m || m[1]?.toLowerCase() !== subscriptionId.toLowerCase() || !m[2]) continue;
      if (!seen.has(m[2].toLowerCase()))
        seen.set(m[2].toLowerCase(), { name: m[2], location: normalizeLocation(str(r['location']) ?? 'westeurope') });
    }
    return [...seen.values()];
  }

  /** Management group ids above a subscription (nearest first), from `Microsoft.Management/managementGroups` resources. */
  managementGroupsAbove(subscriptionId: string): string[] {
    const parentOf = new Map<string, string>();
    for (const mg of this.ofType(T_MG)) {
      const props = obj(mg.properties);
      for (const c of asArray(props['children'])) {
        const cid = str(obj(c)['id']);
        if (cid) parentOf.set(keyOf(cid), mg.id);
      }
      const parent = str(obj(obj(props['details'])['parent'])['id']);
      if (parent) parentOf.set(keyOf(mg.id), parent);
    }
    const out: string[] = [];
    let cur = parentOf.get(keyOf(`/subscriptions/${subscriptionId}`));
    while (cur && !out.some((o) => sameId(o, cur)) && out.length < 10) {
      out.push(cur);
      cur = parentOf.get(keyOf(cur));
    }
    return out;
  }

  /** Does an assignment/deny at `scope` apply to `target`? (at or above, including management groups and "/"). */
  covers(scope: string, target: string): boolean {
    if (isAtOrAbove(scope, target)) return true;
    if (!/^\/providers\/microsoft\.management\/managementgroups\//i.test(normalizePath(scope))) return false;
    const sub = subscriptionOf(target);
    if (sub) return this.managementGroupsAbove(sub).some((mg) => sameId(mg, scope));
    // target is itself a management group: is `scope` one of its ancestors?
    return this.ofType(T_MG).some((mg) => sameId(mg.id, scope) && this.mgDescends(target, mg.id));
  }

  private mgDescends(child: string, ancestor: string, depth = 0): boolean {
    if (depth > 10) return false;
    for (const mg of this.ofType(T_MG)) {
      const children = asArray(obj(mg.properties)['children']).map((c) => str(obj(c)['id']));
      if (children.some((c) => sameId(c, child)))
        return sameId(mg.id, ancestor) || this.mgDescends(mg.id, ancestor, depth + 1);
    }
    return false;
  }

  // ---- RBAC ----------------------------------------------------------------------------------------------------

  roleAssignments(): Resource[] {
    return this.ofType(T_ROLE_ASSIGNMENT);
  }

  denyAssignments(): Resource[] {
    return this.ofType(T_DENY);
  }

  /** A role definition by GUID or any id ending in it: world definitions first, then built-ins (shaped for `scope`). */
  roleDefinition(idOrGuid: string, scope = '/'): Resource | undefined {
    const guid = lastSegment(idOrGuid);
    const custom = this.ofType(T_ROLE_DEFINITION).find((r) => sameGuid(r.name ?? lastSegment(r.id), guid));
    if (custom) return custom;
    const b = BUILT_IN_ROLES.find((x) => sameGuid(x.guid, guid));
    return b ? this.builtInResource(b.guid, scope) : undefined;
  }

  roleDefinitions(scope: string): Resource[] {
    const custom = this.ofType(T_ROLE_DEFINITION);
    const builtIns = BUILT_IN_ROLES.filter(
      (b) => !custom.some((c) => sameGuid(c.name ?? lastSegment(c.id), b.guid)),
    ).map((b) => this.builtInResource(b.guid, scope));
    return [...builtIns, ...custom];
  }

  private builtInResource(guid: string, scope: string): Resource {
    const b = BUILT_IN_ROLES.find((x) => x.guid === guid);
    if (!b) throw new Error(`unknown built-in role ${guid}`);
    const sub = subscriptionOf(scope);
    return {
      id: `${sub ? `/subscriptions/${sub}` : ''}/providers/Microsoft.Authorization/roleDefinitions/${b.guid}`,
      name: b.guid,
      type: 'Microsoft.Authorization/roleDefinitions',
      properties: {
        roleName: b.roleName,
        type: 'BuiltInRole',
        description: b.description,
        assignableScopes: ['/'],
        permissions: clone(b.permissions),
        createdOn: BUILT_IN_CREATED_ON,
        updatedOn: BUILT_IN_CREATED_ON,
        createdBy: null,
        updatedBy: null,
      },
    };
  }

  assignmentScope(ra: Resource): string {
    return str(obj(ra.properties)['scope']) ?? scopeOfExtension(ra.id);
  }

  /** Has the assignment taken effect on the emulator clock (createdOn + propagation delay <= now)? */
  isEffective(ra: Resource): boolean {
    const created = str(obj(ra.properties)['createdOn']);
    if (!created) return true;
    return Date.parse(created) + this.propagationDelayMs <= this.clock.now().getTime();
  }

  /** Assignments of `principalId` at or above `scope` whose role grants `action` (data action when `data`). */
  grantingAssignments(principalId: string, action: string, scope: string, data: boolean): Resource[] {
    return this.roleAssignments().filter((ra) => {
      const p = obj(ra.properties);
      if (!sameGuid(str(p['principalId']), principalId)) return false;
      if (!this.covers(this.assignmentScope(ra), scope)) return false;
      const def = this.roleDefinition(str(p['roleDefinitionId']) ?? '', scope);
      return permissionsGrant(obj(def?.properties)['permissions'] as Permission[] | undefined, action, data);
    });
  }

  /** A deny assignment that blocks `principalId` from `action` at `scope`, if any. */
  denyingAssignment(principalId: string, action: string, scope: string, data: boolean): Resource | undefined {
    return this.denyAssignments().find((d) => {
      const p = obj(d.properties);
      const dScope = str(p['scope']) ?? scopeOfExtension(d.id);
      if (!this.covers(dScope, scope)) return false;
      if (p['doNotApplyToChildScopes'] === true && !sameId(dScope, scope)) return false;
      const principals = asArray(p['principals']).map((x) => str(obj(x)['id']));
      if (!principals.some((x) => sameGuid(x, principalId) || sameGuid(x, EVERYONE_PRINCIPAL_ID))) return false;
      if (asArray(p['excludePrincipals']).some((x) => sameGuid(str(obj(x)['id']), principalId))) return false;
      return permissionsGrant(p['permissions'] as Permission[] | undefined, action, data);
    });
  }

  /**
   * Can `principalId` perform a control-plane `action` at `scope` as a caller? Like isAuthorized, plus the ABAC
   * condition shape used to delegate role assignment writes: `@Request[…:RoleDefinitionId] … GuidEquals {a, b}` (and
   * `@Resource[…]` for deletes) — the assignment only counts when `conditionRoleGuid` is in that list.
   */
  callerDecision(
    principalId: string,
    action: string,
    scope: string,
    conditionRoleGuid?: string,
  ): { ok: true } | { ok: false; reason: 'deny' | 'propagating' | 'none'; denyAssignment?: Resource } {
    const deny = this.denyingAssignment(principalId, action, scope, false);
    if (deny) return { ok: false, reason: 'deny', denyAssignment: deny };
    const granting = this.grantingAssignments(principalId, action, scope, false).filter((ra) =>
      conditionAllows(str(obj(ra.properties)['condition']), action, conditionRoleGuid),
    );
    if (granting.some((ra) => this.isEffective(ra))) return { ok: true };
    return { ok: false, reason: granting.length > 0 ? 'propagating' : 'none' };
  }

  /** Can the principal perform the action at scope now (effective allow, no deny)? */
  isAuthorized(principalId: string, action: string, scope: string, data = false): boolean {
    if (this.denyingAssignment(principalId, action, scope, data)) return false;
    return this.grantingAssignments(principalId, action, scope, data).some((ra) => this.isEffective(ra));
  }

  // ---- registries and pulls ------------------------------------------------------------------------------------

  registryByLoginServer(server: string): Resource | undefined {
    return this.ofType(T_REGISTRY).find(
      (r) => str(obj(r.properties)['loginServer'])?.toLowerCase() === server.toLowerCase(),
    );
  }

  /** The emulator's verdict on pulling `image` with `principalId` (undefined = anonymous / no usable identity). */
  canPull(principalId: string | undefined, image: string, opts: { adminCredentials?: boolean } = {}): PullVerdict {
    const parsed = parseImage(image);
    if (!parsed) return { ok: false, error: `invalid reference format: "${image}"` };
    const { server, repository } = parsed;
    const registry = this.registryByLoginServer(server);
    if (!registry) {
      if (!/\.azurecr\.(io|cn|us)$/i.test(server)) return { ok: true }; // a public registry outside the world
      return {
        ok: false,
        error: `Get "https://${server}/v2/": dial tcp: lookup ${server} on 168.63.129.16:53: no such host`,
      };
    }
    const p = obj(registry.properties);
    const scopeUrl = `GET https:?scope=repository%3A${encodeURIComponent(repository)}%3Apull&service=${server}`;
    if (
      str(p['publicNetworkAccess'])?.toLowerCase() === 'disabled' ||
      str(obj(p['networkRuleSet'])['defaultAction'])?.toLowerCase() === 'deny'
    ) {
      return {
        ok: false,
        error: `${scopeUrl}: DENIED: client with IP '20.105.232.17' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.`,
      };
    }
    const unauthorized = {
      ok: false as const,
      error: `${scopeUrl}: UNAUTHORIZED: authentication required, visit https://aka.ms/acr/authorization for more information.`,
    };
    const anonymous = p['anonymousPullEnabled'] === true;
    if (!anonymous) {
      if (opts.adminCredentials) {
        if (p['adminUserEnabled'] !== true) return unauthorized;
      } else {
        if (!principalId) return unauthorized;
        const policy = str(obj(obj(p['policies'])['azureADAuthenticationAsArmPolicy'])['status'])?.toLowerCase();
        if (policy === 'disabled') return unauthorized;
        const abac = str(p['roleAssignmentMode'])?.toLowerCase() === 'abacrepositorypermissions';
        const allowed = abac
          ? this.isAuthorized(principalId, REPOSITORY_READ_DATA_ACTION, registry.id, true)
          : this.isAuthorized(principalId, PULL_ACTION, registry.id, false);
        if (!allowed) return unauthorized;
      }
    }
    if (this.images) {
      const tags = this.images.get(server);
      const repoLower = repository.toLowerCase();
      const inRepo = [...(tags ?? [])].filter((t) => t.startsWith(`${repoLower}:`) || t.startsWith(`${repoLower}@`));
      if (inRepo.length === 0)
        return {
          ok: false,
          error: `GET https:: NAME_UNKNOWN: repository name not known to registry; map[name:${repository}]`,
        };
      if (parsed.tag !== undefined && !inRepo.includes(`${repoLower}:${parsed.tag.toLowerCase()}`))
        return {
          ok: false,
          error: `GET https:: MANIFEST_UNKNOWN: manifest tagged by "${parsed.tag}" is not found; map[Tag:${parsed.tag}]`,
        };
      if (
        parsed.digest !== undefined &&
        parsed.tag === undefined &&
        !inRepo.includes(`${repoLower}@${parsed.digest.toLowerCase()}`)
      )
        return { ok: false, error: `GET https:: MANIFEST_UNKNOWN: manifest unknown; map[Digest:${parsed.digest}]` };
    }
    return { ok: true };
  }

  // ---- container apps ------------------------------------------------------------------------------------------

  /** Principal the app pulls `image` with, per its `configuration.registries[]` (undefined = none usable). */
  pullIdentity(app: Resource, image: string): { principalId?: string; adminCredentials?: boolean } {
    const server = parseImage(image)?.server;
    const props = obj(app.properties);
    const registries = asArray(obj(props['configuration'])['registries']).map(obj);
    const entry = registries.find((r) => str(r['server'])?.toLowerCase() === server);
    if (!entry) return {};
    const identity = obj(app['identity']);
    const ref = str(entry['identity']);
    if (ref === undefined || ref === '') {
      return str(entry['username']) && str(entry['passwordSecretRef']) ? { adminCredentials: true } : {};
    }
    if (ref.toLowerCase() === 'system') {
      const type = str(identity['type'])?.toLowerCase() ?? '';
      const pid = type.includes('systemassigned') ? str(identity['principalId']) : undefined;
      return pid ? { principalId: pid } : {};
    }
    const uais = obj(identity['userAssignedIdentities']);
    const key = Object.keys(uais).find((k) => sameId(k, ref));
    if (key === undefined) return {};
    const pid = str(obj(uais[key])['principalId']) ?? str(obj(this.get(ref)?.properties)['principalId']);
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
      out['tenantId'] ??= this.tenantId;
    } else {
      delete out['principalId'];
      delete out['tenantId'];
    }
    const uais = obj(identity['userAssignedIdentities']);
    const filled: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(uais)) {
      const res = this.get(k);
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
  ): { ok: true } | { ok: false; provisioningError: string } {
    const failures: string[] = [];
    for (const [field, list] of [
      ['initContainers', asArray(template['initContainers'])],
      ['containers', asArray(template['containers'])],
    ] as const) {
      for (const c of list.map(obj)) {
        const image = str(c['image']);
        if (!image) continue;
        const who = this.pullIdentity(app, image);
        const verdict = this.canPull(who.principalId, image, who.adminCredentials ? { adminCredentials: true } : {});
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
    };
  }

  revisionsOf(appId: string): Resource[] {
    const prefix = `${keyOf(appId)}/revisions/`;
    return this.ofType(T_REVISION).filter((r) => keyOf(r.id).startsWith(prefix));
  }

  /**
   * Apply a PUT (replace) or PATCH (merge) of a container app. Creates a new revision when the app is new, its template
   * changed, or a new `template.revisionSuffix` was given; returns the provisioning outcome.
   */
  writeContainerApp(
    id: string,
    body: Record<string, unknown>,
    mode: 'put' | 'patch',
  ): { app: Resource; created: boolean; revision?: Resource; error?: string } {
    const existing = this.get(id);
    const now = this.nowIso();
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
    if (!changed) {
      this.put(app);
      return { app, created: !existing };
    }
    let revName = suffix ? `${name}--${suffix}` : undefined;
    if (!revName || this.get(`${app.id}/revisions/${revName}`))
      revName = `${name}--${shortHash(keyOf(app.id), String(this.nextCounter()))}`;
    const result = this.provisionRevision(app, template, revName);
    return { app, created: !existing, revision: result.revision, ...(result.error ? { error: result.error } : {}) };
  }

  /** Create (or re-provision) revision `revName` of `app` with `template`, updating the app's revision pointers. */
  provisionRevision(
    app: Resource,
    template: Record<string, unknown>,
    revName: string,
  ): { revision: Resource; error?: string } {
    const now = this.nowIso();
    const props = { ...obj(app.properties) };
    const verdict = this.evaluateTemplate(app, template);
    const fqdnDomain =
      str(props['latestRevisionFqdn'])?.split('.').slice(1).join('.') ??
      `${shortHash(keyOf(app.id))}.${normalizeLocation(str(app['location']) ?? 'westeurope')}.azurecontainerapps.io`;
    const revId = `${app.id}/revisions/${revName}`;
    const existingRev = this.get(revId);
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
    this.put(revision);
    if (verdict.ok && single) {
      for (const other of this.revisionsOf(app.id)) {
        if (sameId(other.id, revision.id)) continue;
        const op = obj(other.properties);
        if (op['active'] === true)
          this.put({
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
    this.put(app);
    return verdict.ok ? { revision } : { revision, error: verdict.provisioningError };
  }

  /** restartRevision: re-evaluate the revision's pulls with the app's current registries and identities. */
  restartRevision(appId: string, revName: string): { revision: Resource; error?: string } {
    const app = this.get(appId);
    if (!app) throw new NotFoundError(appId);
    const rev = this.get(`${app.id}/revisions/${revName}`);
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
      lastActiveTime: this.nowIso(),
      ...(verdict.ok ? {} : { provisioningError: verdict.provisioningError }),
    });
    const updated = { ...rev, properties: p };
    this.put(updated);
    return verdict.ok ? { revision: updated } : { revision: updated, error: verdict.provisioningError };
  }

  lroStyleFor(resourceId: string): LroStyle {
    return this.lroStyles.get(keyOf(resourceId)) ?? 'azure-async-operation';
  }
}

export class NotFoundError extends Error {
  constructor(readonly id: string) {
    super(`not found: ${id}`);
  }
}

/** Evaluate the delegation condition shape from DOMAIN.md (RoleDefinitionId GuidEquals lists); other conditions allow. */
export function conditionAllows(condition: string | undefined, action: string, roleGuid: string | undefined): boolean {
  if (!condition || !/roleassignments\/(write|delete)$/i.test(action)) return true;
  const kind = /delete$/i.test(action) ? 'delete' : 'write';
  // find the clause guarding this action: ActionMatches{'…/roleAssignments/<kind>'})) OR (@…[…RoleDefinitionId] … GuidEquals {…})
  const re = new RegExp(
    `ActionMatches\\{'Microsoft\\.Authorization/roleAssignments/${kind}'\\}\\)\\)\\s*OR\\s*\\(@(?:Request|Resource)\\[Microsoft\\.Authorization/roleAssignments:RoleDefinitionId\\]\\s*ForAnyOfAnyValues:GuidEquals\\s*\\{([^}]*)\\}`,
    'i',
  );
  const m = re.exec(condition);
  if (!m) return true;
  if (!roleGuid) return false;
  const allowed = (m[1] ?? '').split(',').map((g) => g.trim().toLowerCase());
  return allowed.includes(roleGuid.toLowerCase());
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Scope of an extension resource id (`{scope}/providers/Microsoft.Authorization/…/{name}`). */
export function scopeOfExtension(id: string): string {
  const m = /^(.*?)\/providers\/microsoft\.authorization\/[^/]+\/[^/]+$/i.exec(normalizePath(id));
  const s = m?.[1];
  return s === undefined || s === '' ? '/' : s;
}

export function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}
