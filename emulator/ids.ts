/** ARM id helpers (pure). ARM ids are case-insensitive: compare with `sameId` / `keyOf`. */
import { createHash } from 'node:crypto';

export function keyOf(id: string): string {
  return normalizePath(id).toLowerCase();
}

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && keyOf(a) === keyOf(b);
}

/** Collapse duplicate slashes (some SDKs send `//subscriptions/…` for a `{scope}` parameter) and drop a trailing slash. */
export function normalizePath(path: string): string {
  let p = path.replace(/\/{2,}/g, '/');
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  if (!p.startsWith('/')) p = `/${p}`;
  return p;
}

/** true when `scope` is `target` or one of its ancestors (ARM ids: prefix on whole segments; "/" covers all). */
export function isAtOrAbove(scope: string, target: string): boolean {
  const s = keyOf(scope);
  const t = keyOf(target);
  if (s === '/' || s === t) return true;
  return t.startsWith(`${s}/`);
}

export function subscriptionOf(id: string): string | undefined {
  const m = /^\/subscriptions\/([^/]+)/i.exec(normalizePath(id));
  return m?.[1];
}

export function resourceGroupOf(id: string): string | undefined {
  const m = /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)/i.exec(normalizePath(id));
  return m?.[1];
}

export function lastSegment(id: string): string {
  const parts = normalizePath(id).split('/');
  return parts[parts.length - 1] ?? '';
}

/** Resource provider namespace of an ARM id (`Microsoft.App`), from its last `/providers/` segment. */
export function providerOf(id: string): string | undefined {
  const parts = normalizePath(id).split('/');
  for (let i = parts.length - 2; i >= 0; i--) if (parts[i]?.toLowerCase() === 'providers') return parts[i + 1];
  return undefined;
}

/** Deterministic GUID (v4 layout) from any inputs. */
export function deterministicGuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function shortHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 7);
}

export function isGuid(s: string): boolean {
  return /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s);
}

/** Compare GUIDs ignoring case and dashes (ARM events print them without dashes). */
export function sameGuid(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a.replace(/-/g, '').toLowerCase() === b.replace(/-/g, '').toLowerCase();
}

/** Scope of an extension resource id (`{scope}/providers/Microsoft.Authorization/…/{name}`). */
export function scopeOfExtension(id: string): string {
  const m = /^(.*?)\/providers\/microsoft\.authorization\/[^/]+\/[^/]+$/i.exec(normalizePath(id));
  const s = m?.[1];
  return s === undefined || s === '' ? '/' : s;
}

/** Resource type of an id (`Microsoft.App/containerApps/revisions`; resource groups and subscriptions included). */
export function resourceTypeOf(id: string): string {
  const parts = normalizePath(id).split('/').filter(Boolean);
  const pi = parts.map((p) => p.toLowerCase()).lastIndexOf('providers');
  if (pi < 0) return parts.length >= 4 ? 'Microsoft.Resources/resourceGroups' : 'Microsoft.Resources/subscriptions';
  const rest = parts.slice(pi + 1);
  return [rest[0], ...rest.slice(1).filter((_, i) => i % 2 === 0)].join('/');
}

/**
 * A path split at its last `providers` segment: `segs` (as sent), `pIdx` (index of `providers`, -1 when none),
 * `afterProviders` (segments after it: 3 for `{ns}/{type}/{name}`) and `type` (`{ns}/{type}` lower-cased, or '').
 */
export function splitAtProviders(path: string): { segs: string[]; pIdx: number; afterProviders: number; type: string } {
  const segs = path.split('/').filter(Boolean);
  const pIdx = segs.map((s) => s.toLowerCase()).lastIndexOf('providers');
  const afterProviders = pIdx >= 0 ? segs.length - pIdx - 1 : -1;
  const type = pIdx >= 0 ? `${segs[pIdx + 1]}/${segs[pIdx + 2]}`.toLowerCase() : '';
  return { segs, pIdx, afterProviders, type };
}
