/**
 * ARM id helpers. ARM ids are case-insensitive (events say `resourcegroups`, the SDK says `resourceGroups`): compare
 * them only through these functions. Pure: no I/O, no SDK imports.
 */

/** Lower-case, one leading slash, no trailing slash, no doubled slashes. Use for comparison and as map keys only. */
export function normalizeId(id: string): string {
  const trimmed = id
    .trim()
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '');
  const withSlash = trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  return withSlash.toLowerCase();
}

/** Case-insensitive ARM id equality (undefined never equals anything). */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return normalizeId(a) === normalizeId(b);
}

export interface ParsedResourceId {
  /** The id as given (trailing slash removed). */
  id: string;
  subscriptionId?: string;
  resourceGroup?: string;
  managementGroup?: string;
  /** Provider namespace of the resource itself (the last `/providers/{ns}`), e.g. `Microsoft.App`. */
  provider?: string;
  /** Full resource type, e.g. `Microsoft.App/containerApps/revisions`. */
  type?: string;
  /** The resource's own name (last segment), e.g. `web--v7`. */
  name?: string;
  /** The parent resource id for a child resource (`…/containerApps/web` for a revision), or the scope of an extension resource. */
  parent?: string;
  /** For extension resources (`{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}`): the scope. */
  scope?: string;
  /** Kind of the id's target. */
  level: 'root' | 'management-group' | 'subscription' | 'resource-group' | 'resource';
}

function splitSegments(id: string): string[] {
  return id
    .trim()
    .split('/')
    .filter((s) => s.length > 0);
}

function joinSegments(segs: readonly string[]): string {
  return segs.length === 0 ? '/' : `/${segs.join('/')}`;
}

/** Index of the last `providers` segment that starts a provider namespace (not a resource name "providers"). */
function lastProvidersIndex(segs: readonly string[]): number {
  for (let i = segs.length - 2; i >= 0; i--) {
    // `/providers/{ns}/…`: the providers keyword always sits at an even position counted from the start of a scope
    // segment pair; checking that the next segment looks like a namespace (contains a dot) is robust enough for ARM.
    if ((segs[i] as string).toLowerCase() === 'providers' && (segs[i + 1] as string).includes('.')) return i;
  }
  return -1;
}

/** Parse an ARM id (resource, child resource, extension resource, resource group, subscription, management group). */
export function parseResourceId(id: string): ParsedResourceId {
  const segs = splitSegments(id);
  const out: ParsedResourceId = { id: joinSegments(segs), level: 'root' };
  // subscription / resource group of the outermost scope
  for (let i = 0; i + 1 < segs.length; i++) {
    const k = (segs[i] as string).toLowerCase();
    if (k === 'subscriptions' && out.subscriptionId === undefined) out.subscriptionId = segs[i + 1] as string;
    if (k === 'resourcegroups' && out.resourceGroup === undefined && out.subscriptionId !== undefined)
      out.resourceGroup = segs[i + 1] as string;
  }
  const p = lastProvidersIndex(segs);
  if (p < 0) {
    if (out.resourceGroup !== undefined) out.level = 'resource-group';
    else if (out.subscriptionId !== undefined) out.level = 'subscription';
    if (out.level !== 'root') {
      out.name = segs[segs.length - 1] as string;
      if (out.level === 'resource-group') out.parent = joinSegments(segs.slice(0, 2));
    }
    return out;
  }
  const ns = segs[p + 1] as string;
  const rest = segs.slice(p + 2); // t1 n1 t2 n2 …
  if (
    ns.toLowerCase() === 'microsoft.management' &&
    (rest[0] ?? '').toLowerCase() === 'managementgroups' &&
    rest.length === 2 &&
    p === 0
  ) {
    out.level = 'management-group';
    out.managementGroup = rest[1] as string;
    out.provider = ns;
    out.type = `${ns}/${rest[0] as string}`;
    out.name = rest[1] as string;
    return out;
  }
  out.level = 'resource';
  out.provider = ns;
  const types: string[] = [];
  for (let i = 0; i < rest.length; i += 2) types.push(rest[i] as string);
  out.type = [ns, ...types].join('/');
  if (rest.length % 2 === 0 && rest.length > 0) out.name = rest[rest.length - 1] as string;
  const scopeSegs = segs.slice(0, p);
  if (rest.length > 2) {
    out.parent = joinSegments(segs.slice(0, segs.length - 2));
  } else {
    out.parent = joinSegments(scopeSegs);
  }
  // An extension resource: what sits before `/providers/` is itself a resource (it has its own providers segment).
  if (lastProvidersIndex(scopeSegs) >= 0) out.scope = joinSegments(scopeSegs);
  return out;
}

/** The id one step up: child → parent resource → (extension scope) → resource group → subscription; undefined at the top. */
function parentScope(id: string): string | undefined {
  const segs = splitSegments(id);
  if (segs.length === 0) return undefined;
  const p = lastProvidersIndex(segs);
  if (p >= 0) {
    const rest = segs.length - (p + 2);
    if (p === 0 && (segs[1] as string).toLowerCase() === 'microsoft.management') return undefined; // management group
    if (rest > 2) return joinSegments(segs.slice(0, segs.length - 2));
    return joinSegments(segs.slice(0, p));
  }
  if (segs.length >= 4 && (segs[2] as string).toLowerCase() === 'resourcegroups') return joinSegments(segs.slice(0, 2));
  return undefined;
}

/**
 * Every scope whose role assignments apply to `id`, narrowest first: the resource, its parents, the resource group,
 * the subscription, then the management groups (nearest first) when the caller knows them.
 */
export function scopeLadder(id: string, managementGroupIds: readonly string[] = []): string[] {
  const ladder: string[] = [];
  let cur: string | undefined = joinSegments(splitSegments(id));
  while (cur !== undefined && cur !== '/') {
    ladder.push(cur);
    cur = parentScope(cur);
  }
  for (const mg of managementGroupIds) {
    if (!ladder.some((s) => sameId(s, mg))) ladder.push(joinSegments(splitSegments(mg)));
  }
  return ladder;
}

function isManagementGroupId(id: string): boolean {
  return /^\/providers\/microsoft\.management\/managementgroups\/[^/]+$/.test(normalizeId(id));
}

/**
 * Whether an assignment at `scope` applies to `id` (same id or an ancestor). A management-group scope only counts when
 * it is among `managementGroupIds` (the management groups above `id`, when known); the root scope `/` covers everything.
 */
export function isAtOrAbove(scope: string, id: string, managementGroupIds: readonly string[] = []): boolean {
  const s = normalizeId(scope);
  if (s === '/') return true;
  if (isManagementGroupId(s)) return managementGroupIds.some((mg) => sameId(mg, s)) || sameId(s, id);
  const t = normalizeId(id);
  return t === s || t.startsWith(`${s}/`);
}

/** The GUID of a role definition id (full id or bare GUID), lower-case. */
export function roleGuid(roleDefinitionId: string): string {
  const segs = splitSegments(roleDefinitionId);
  return (segs[segs.length - 1] ?? '').toLowerCase();
}

/** Same role definition, whatever the id's form (subscription-scoped full id, tenant-scoped id or bare GUID). */
export function sameRole(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return roleGuid(a) === roleGuid(b);
}

/** Tenant-level id of a built-in role definition: `/providers/Microsoft.Authorization/roleDefinitions/{guid}`. */
export function builtInRoleDefinitionId(guid: string): string {
  return `/providers/Microsoft.Authorization/roleDefinitions/${guid.toLowerCase()}`;
}

/** Subscription-scoped role definition id, the form ARM accepts in a role assignment PUT. */
export function subscriptionRoleDefinitionId(subscriptionId: string, guid: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid(guid)}`;
}

/** The scope at which a registry's pull role is assigned: the registry's own id (trailing slash removed). */
export function registryScope(registry: string | { id: string }): string {
  const id = typeof registry === 'string' ? registry : registry.id;
  return joinSegments(splitSegments(id));
}

/** Resource group name and resource name of a resource id, for SDK calls; throws on an id without them. */
export function requireResourceParts(
  id: string,
  what = 'resource',
): { subscriptionId: string; resourceGroup: string; name: string } {
  const p = parseResourceId(id);
  if (
    p.subscriptionId === undefined ||
    p.resourceGroup === undefined ||
    p.name === undefined ||
    p.level !== 'resource'
  ) {
    throw new TypeError(`not a ${what} id: ${id}`);
  }
  return { subscriptionId: p.subscriptionId, resourceGroup: p.resourceGroup, name: p.name };
}
