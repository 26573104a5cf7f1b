/**
 * The emulator's resource store: every ARM resource of the world by case-insensitive id, the clock, the tenant, the
 * Activity Log, LRO styles, image lists, and what ARM derives from resource ids (subscriptions, resource groups).
 * No semantics here: RBAC, pulls and revisions are in rbac.ts, acr.ts and container-apps.ts.
 */
import type { EmulatorClock, LroStyle, World } from '../api';
import { keyOf, lastSegment, normalizePath, scopeOfExtension, subscriptionOf } from '../ids';
import { asArray, clone, normalizeLocation, obj, str } from '../values';

export type Resource = Record<string, unknown> & {
  id: string;
  type: string;
  name?: string;
  properties?: Record<string, unknown>;
};

export const DEFAULT_TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';

const T_ROLE_ASSIGNMENT = 'microsoft.authorization/roleassignments';

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

/** Thrown by state operations on a resource that does not exist (the HTTP layer answers 404 ResourceNotFound). */
export class NotFoundError extends Error {
  constructor(readonly id: string) {
    super(`not found: ${id}`);
  }
}

export class ResourceStore {
  readonly clock: EmulatorClock;
  readonly tenantId: string;
  /** login server → lower-cased "repo:tag" / "repo@digest"; undefined = every image exists. */
  readonly images: Map<string, Set<string>> | undefined;
  readonly activityLog: Array<Record<string, unknown>>;
  readonly lroStyles = new Map<string, LroStyle>();
  /** How long after its eventTimestamp an Activity Log entry without a submissionTimestamp becomes visible. */
  activityLogDelayMs: number;
  /** World `pullRefusals`: `all`, or the login servers whose pull failures refuse the write synchronously. */
  readonly pullRefusals: 'all' | Set<string>;
  /** World `externalRegistries`, by lower-cased login server. */
  readonly externalRegistries: Map<string, { users?: string[]; rateLimited?: boolean }>;
  private readonly resources = new Map<string, Resource>();
  private readonly worldNowGiven: boolean;
  private counter = 0;
  /** The world's propagation model (kept for snapshots). */
  readonly propagation: World['propagation'];
  /** World `directoryReplication`: lower-cased principal id → epoch ms it becomes known to the directory. */
  readonly directoryReplication = new Map<string, number>();
  /** World `jobEvents`: job key → ISO times events arrive for an event-driven job. */
  readonly jobEvents = new Map<string, string[]>();

  constructor(world: World) {
    const w = clone(world);
    this.clock = createClock(w.now);
    for (const r of w.resources) this.put(normalizeResource(r));
    if (w.images) {
      this.images = new Map();
      for (const [server, list] of Object.entries(w.images))
        this.images.set(server.toLowerCase(), new Set(list.map((t) => t.toLowerCase())));
    }
    this.activityLog = w.activityLog ?? [];
    this.activityLogDelayMs = (w.activityLogDelaySeconds ?? 0) * 1000;
    this.externalRegistries = new Map(
      Object.entries(w.externalRegistries ?? {}).map(([server, spec]) => [server.toLowerCase(), spec]),
    );
    this.pullRefusals = w.pullRefusals === 'all' ? 'all' : new Set((w.pullRefusals ?? []).map((x) => x.toLowerCase()));
    for (const [id, style] of Object.entries(w.lroStyles ?? {})) this.lroStyles.set(keyOf(id), style);
    const firstTenant = this.all()
      .map((r) => str(obj(r.properties)['tenantId']) ?? str(obj(r['identity'])['tenantId']))
      .find((t) => t !== undefined);
    this.tenantId = w.tenantId ?? firstTenant ?? DEFAULT_TENANT_ID;
    this.worldNowGiven = w.now !== undefined;
    this.propagation = w.propagation;
    for (const [p, at] of Object.entries(w.directoryReplication ?? {}))
      this.directoryReplication.set(p.toLowerCase(), Date.parse(at));
    for (const [jobId, times] of Object.entries(w.jobEvents ?? {})) this.jobEvents.set(keyOf(jobId), [...times]);
  }

  /** Whether the directory knows `principalId` now (false while a fresh identity is not replicated yet). */
  isPrincipalReplicated(principalId: string): boolean {
    const at = this.directoryReplication.get(principalId.toLowerCase());
    return at === undefined || !(this.clock.now().getTime() < at);
  }

  /** One counter for every generated id (events, operations, revision names), so runs are deterministic. */
  nextCounter(): number {
    return ++this.counter;
  }

  nowIso(): string {
    return this.clock.now().toISOString();
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
      ...(this.pullRefusals === 'all'
        ? { pullRefusals: 'all' as const }
        : this.pullRefusals.size > 0
          ? { pullRefusals: [...this.pullRefusals] }
          : {}),
      ...(this.externalRegistries.size > 0 ? { externalRegistries: Object.fromEntries(this.externalRegistries) } : {}),
      tenantId: this.tenantId,
      ...(this.activityLogDelayMs > 0 ? { activityLogDelaySeconds: this.activityLogDelayMs / 1000 } : {}),
      ...(this.lroStyles.size > 0 ? { lroStyles: Object.fromEntries(this.lroStyles) } : {}),
      ...(this.propagation ? { propagation: clone(this.propagation) } : {}),
      ...(this.directoryReplication.size > 0
        ? {
            directoryReplication: Object.fromEntries(
              [...this.directoryReplication].map(([p, at]) => [p, new Date(at).toISOString()]),
            ),
          }
        : {}),
      ...(this.jobEvents.size > 0 ? { jobEvents: Object.fromEntries(this.jobEvents) } : {}),
    };
    return world;
  }

  /** Whether an Activity Log entry is visible to queries now (its submissionTimestamp, else eventTimestamp + delay). */
  isActivityVisible(e: Record<string, unknown>): boolean {
    const submitted = Date.parse(str(e['submissionTimestamp']) ?? '');
    const at = Number.isFinite(submitted)
      ? submitted
      : Date.parse(str(e['eventTimestamp']) ?? '') + this.activityLogDelayMs;
    return !Number.isFinite(at) || at <= this.clock.now().getTime();
  }

  lroStyleFor(resourceId: string): LroStyle {
    return this.lroStyles.get(keyOf(resourceId)) ?? 'azure-async-operation';
  }

  /** Every subscription appearing in a resource id, an assignment scope or a management group's children. */
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

  /** Resource groups of a subscription, derived from resource ids (location: the first resource's). */
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
}

function normalizeResource(r: Resource): Resource {
  const id = normalizePath(r.id);
  const out: Resource = { ...r, id };
  if (out.name === undefined) out.name = lastSegment(id);
  if (out.type.toLowerCase() === T_ROLE_ASSIGNMENT) {
    const props = obj(out.properties);
    if (props['scope'] === undefined) out.properties = { ...props, scope: scopeOfExtension(id) };
  }
  return out;
}
