/**
 * Public API of the ARM emulator (started by emulator/server.ts, which wires ./http, ./providers and ./state; used by
 * tests, the demo, `remediator simulate`, `remediator emulator` and the benchmarks). World files: CONTRACTS.md §3.
 */

export interface World {
  /** Fixes the emulator clock; absent = real time. */
  now?: string;
  resources: Array<Record<string, unknown> & { id: string; type: string }>;
  /** login server → ["repo:tag", …] */
  images?: Record<string, string[]>;
  activityLog?: Array<Record<string, unknown>>;
  /** (emulator extension) Tenant id used in events and derived subscriptions; default: the first identity's tenantId. */
  tenantId?: string;
  /**
   * (emulator extension) How long after its eventTimestamp an Activity Log entry becomes visible to queries (as in
   * Azure, where entries lag the operation by minutes). An entry's own `submissionTimestamp` (when it became
   * available for querying) wins; entries ARM writes get `submissionTimestamp` = now + this delay. Default 0.
   */
  activityLogDelaySeconds?: number;
  /** (emulator extension) LRO style per resource id (case-insensitive) for PATCH/PUT: default "azure-async-operation". */
  lroStyles?: Record<string, LroStyle>;
  /**
   * (emulator extension) How long new role assignments take to take effect, drawn per assignment (deterministic: a
   * hash of `seed` and the assignment id). The `propagation` / `propagationDelayMs` options win over it.
   */
  propagation?: PropagationModel;
  /**
   * (emulator extension) How a failing image pull surfaces on a container app PUT/PATCH. Default: ARM accepts (202),
   * a revision is created and fails (`ContainerAppOperationError`). `"all"` or a list of login servers: ARM refuses
   * the write synchronously with 400 `InvalidParameterValueInContainerTemplate`, creates no revision and keeps the
   * app's previous template (Azure/container-apps-deploy-action#85, microsoft/azure-container-apps#212).
   */
  pullRefusals?: 'all' | string[];
  /**
   * (emulator extension) Registries outside ACR, by login server (`ghcr.io`, `docker.io`), for pulls from them (absent:
   * every pull from a server outside ACR works). `users`: the usernames it accepts (a pull without a `registries[]`
   * username + `passwordSecretRef`, or with another username, is `UNAUTHORIZED`); `rateLimited`: anonymous pulls are
   * throttled (`TOOMANYREQUESTS`, Docker Hub's pull rate limit).
   */
  externalRegistries?: Record<string, { users?: string[]; rateLimited?: boolean }>;
  /**
   * (emulator extension) Principals the directory does not know yet, until the given ISO time (a brand-new identity
   * not yet replicated): a role assignment PUT for one answers 400 `PrincipalNotFound` with ARM's wording, even with
   * `principalType` set (MicrosoftDocs/azure-docs#103085: setting it does not always avoid the replication delay).
   */
  directoryReplication?: Record<string, string>;
  /**
   * (emulator extension) Events that reach an event-driven Container Apps job (`triggerType: Event`), by job id: the
   * ISO times messages arrive on its scaler's source. Each starts one execution at the job's next polling tick
   * (`eventTriggerConfig.scale.pollingInterval`, default 30 s) once the emulator clock passes it.
   */
  jobEvents?: Record<string, string[]>;
}

/** A fixed propagation delay, or a distribution a delay is drawn from per role assignment. */
export type PropagationModel =
  | { distribution: 'fixed'; delayMs: number; seed?: string }
  | { distribution: 'uniform'; minMs: number; maxMs: number; seed?: string }
  | { distribution: 'lognormal'; medianMs: number; sigma: number; maxMs?: number; seed?: string };

/** How the emulator answers a long-running PATCH/PUT: `Azure-AsyncOperation` status polling, or `Location` polling. */
export type LroStyle = 'azure-async-operation' | 'location';

export interface RequestLogEntry {
  method: string;
  /** Path without query string. */
  path: string;
  /** Full path with query string. */
  url: string;
  status: number;
  /** Wall-clock duration in ms. */
  durationMs: number;
  /** Monotonic sequence number. */
  seq: number;
  /** true for PUT/PATCH/POST/DELETE that changed (or tried to change) state; false for reads and LRO polls. */
  write: boolean;
}

export type FaultKind = 'latency' | 'throttle' | 'error' | 'timeout' | 'drop';

export interface FaultRule {
  /** HTTP method to match (default any). */
  method?: string;
  /** Case-insensitive regex source matched against the request path (without query). Default: every path. */
  path?: string;
  kind: FaultKind;
  /** latency: delay in ms before answering normally. timeout: how long to hang before destroying the socket. */
  ms?: number;
  /** throttle: Retry-After seconds (default 1). error: status code (default 500). */
  status?: number;
  retryAfterSeconds?: number;
  /** Apply only to the n-th matching call (1-based) or to calls in [fromCall, toCall]. Default: every match. */
  onCall?: number;
  fromCall?: number;
  toCall?: number;
  /** Apply at most this many times. */
  times?: number;
  /** (extension) error: ARM error code and message of the body (defaults by status, e.g. 403 → AuthorizationFailed). */
  code?: string;
  message?: string;
}

export interface EmulatorClock {
  now(): Date;
  advance(ms: number): void;
  set(date: Date): void;
}

/** An Event Grid event (EventGridSchema) that ARM would have raised for a write. */
export interface RaisedEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  dataVersion: string;
  metadataVersion: string;
  data: Record<string, unknown>;
}

export interface EmulatorOptions {
  world: World;
  /** 0 / absent = ephemeral port. */
  port?: number;
  /** How long a new role assignment takes to take effect, on the emulator clock. Default 5 minutes. */
  propagationDelayMs?: number;
  /** (extension) A propagation model (wins over `propagationDelayMs` and the world's `propagation`). */
  propagation?: PropagationModel;
  /** Where to write the CA certificate PEM (default: a temp file). */
  caPath?: string;
  /** Latency added to every request (ms). */
  latencyMs?: number;
  /**
   * (extension) Check the CALLER's own RBAC on writes, as ARM does: PUT/PATCH/DELETE/POST need an effective role
   * granting the action at the target (deny assignments and simple RoleDefinitionId GuidEquals conditions honoured),
   * else 403 AuthorizationFailed (+ a Failed Activity Log entry). The caller is the token's `oid` when the bearer token
   * is a JWT, otherwise `callerPrincipalId`. Reads are not checked. Default false.
   */
  enforceRbac?: boolean;
  /** (extension) Principal id of callers whose token is not a JWT (default: DEFAULT_CALLER_OBJECT_ID). */
  callerPrincipalId?: string;
  /** (extension) Activity Log lag in ms, overriding the world's `activityLogDelaySeconds`. */
  activityLogDelayMs?: number;
  /** (extension) Split list answers into pages of this size linked by `nextLink` (default: one page). */
  pageSize?: number;
}

export interface RunningEmulator {
  /** e.g. https://127.0.0.1:54321 */
  endpoint: string;
  /** PEM of the self-signed certificate the server presents (pass as tlsOptions.ca). */
  ca: string;
  caPath: string;
  port: number;
  clock: EmulatorClock;
  /** Every request, in order. */
  requestLog: RequestLogEntry[];
  clearRequestLog(): void;
  /** Fault injection. */
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  /** Events ARM would have raised for writes since the start (or the last drain). */
  drainEvents(): RaisedEvent[];
  /** The current state as a world (same format as the input). */
  snapshot(): World;
  /** Whether `principalId` can pull `image` (server/repo:tag) now, with the reason when not (the emulator's verdict). */
  canPull(principalId: string | undefined, image: string): { ok: true } | { ok: false; error: string };
  /** (extension) Choose the LRO style for writes to one resource id (a request header `x-emulator-lro-style` wins). */
  setLroStyle(resourceId: string, style: LroStyle): void;
  stop(): Promise<void>;
}
