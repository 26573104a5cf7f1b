/**
 * Error-text matchers. Pure. Matching is token-based (never whole-string), because the wording of a Container Apps
 * provisioning error, an ACR error and an ARM error message all vary between API versions and regions.
 */

export interface ImageReference {
  /** As written (trimmed). */
  image: string;
  /** Registry host (with port when given), lower-case. */
  loginServer: string;
  /** Repository path, e.g. `api` or `team/api`. */
  repository: string;
  /** Tag; `latest` when the reference has neither tag nor digest. */
  tag?: string;
  /** `sha256:…` when pinned by digest. */
  digest?: string;
}

export type PullErrorKind =
  'unauthorized' | 'denied' | 'image-not-found' | 'network-blocked' | 'host-not-found' | 'rate-limited';

/** Network-shaped pull errors: the registry was not reached (DOMAIN.md). Any other answer came from the registry. */
export function isNetworkShaped(kind: PullErrorKind): boolean {
  return kind === 'network-blocked' || kind === 'host-not-found';
}

/** ACR login-server suffixes: the public cloud and the sovereign clouds (China, US Government). */
export const ACR_SUFFIXES: readonly string[] = ['.azurecr.io', '.azurecr.cn', '.azurecr.us'];

/** True when a login server is an Azure Container Registry one (any cloud); ports are ignored. */
export function isAcrLoginServer(loginServer: string): boolean {
  const host = loginServer.toLowerCase().replace(/:\d+$/, '');
  return ACR_SUFFIXES.some((s) => host.endsWith(s));
}

export interface PullErrorMatch {
  kind: PullErrorKind;
  /** The tokens that decided the kind (for evidence). */
  tokens: string[];
  /** The image the error names, when it names one. */
  image?: ImageReference;
  /** Registry host from `service=` or a URL in the error. */
  loginServer?: string;
  /** Repository from the token scope (`repository:team/api:pull`) or a `/v2/{repo}/manifests/` URL. */
  repository?: string;
  /** Tag the error says is missing (`manifest tagged by "x"`, `map[Tag:x]`). */
  missingTag?: string;
  /** Container the error is about (`template.containers.{name}.image`). */
  containerName?: string;
  /** `client with IP 'x' is not allowed`. */
  clientIp?: string;
}

/** Split a Docker image reference. Returns undefined for text that is not one. A missing tag and digest means `latest`. */
export function parseImageReference(ref: string): ImageReference | undefined {
  const image = ref.trim().replace(/^(docker|https?):\/\//i, '');
  if (image === '' || /\s/.test(image)) return undefined;
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^[a-z0-9]+:[a-f0-9]{32,}$/i.test(digest)) return undefined;
  }
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined; // we only care about images with an explicit registry host
  const host = rest.slice(0, slash);
  if (!(host.includes('.') || host.includes(':') || host === 'localhost')) return undefined;
  if (!/^[a-z0-9.-]+(:\d+)?$/i.test(host)) return undefined;
  let path = rest.slice(slash + 1);
  let tag: string | undefined;
  const lastSlash = path.lastIndexOf('/');
  const colon = path.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return undefined;
  }
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/i.test(path)) return undefined;
  const out: ImageReference = { image, loginServer: host.toLowerCase(), repository: path.toLowerCase() };
  if (digest !== undefined) out.digest = digest.toLowerCase();
  if (tag !== undefined) out.tag = tag;
  else if (digest === undefined) out.tag = 'latest';
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const QUOTED_VALUE = /Invalid value:\s*(?:\\?["'“”`])([^"'“”`\\\s]+)(?:\\?["'“”`])/i;
const ANY_QUOTED = /(?:\\?["'“”`])([^"'“”`\\\s]+)(?:\\?["'“”`])/g;

/** Find the image reference a message names (the `Invalid value: "…"` one first, then any quoted reference). */
export function extractImageReference(text: string): ImageReference | undefined {
  const m = QUOTED_VALUE.exec(text);
  if (m?.[1]) {
    const ref = parseImageReference(m[1]);
    if (ref) return ref;
  }
  for (const q of text.matchAll(ANY_QUOTED)) {
    const v = q[1];
    if (v && !/^https?:/i.test(v) && v.includes('/')) {
      const ref = parseImageReference(v);
      if (ref) return ref;
    }
  }
  return undefined;
}

/** Recognise an image-pull failure in a provisioning error / status message. Undefined when it is not one. */
export function matchPullError(text: string | undefined): PullErrorMatch | undefined {
  if (!text) return undefined;
  const t = text;
  const tokens: string[] = [];
  let kind: PullErrorKind | undefined;

  const ipMatch = /client with IP\s*['"]?([0-9a-f.:]+)['"]?\s*is not allowed/i.exec(t);
  if (ipMatch) {
    kind = 'network-blocked';
    tokens.push('client with IP … is not allowed');
  } else if (/public network access (?:is )?disabled|PublicNetworkAccessDisabled/i.test(t)) {
    kind = 'network-blocked';
    tokens.push('public network access disabled');
  } else if (/no such host|dial tcp[^;]*lookup/i.test(t)) {
    kind = 'host-not-found';
    tokens.push('no such host');
  } else if (/i\/o timeout|connection refused|TLS handshake timeout|context deadline exceeded/i.test(t)) {
    kind = 'network-blocked';
    tokens.push(
      /i\/o timeout/i.exec(t)?.[0] ??
        /connection refused|TLS handshake timeout|context deadline exceeded/i.exec(t)?.[0] ??
        'timeout',
    );
  } else if (/\bTOOMANYREQUESTS\b|pull rate limit|429 Too Many Requests/i.test(t)) {
    kind = 'rate-limited';
    tokens.push(/\bTOOMANYREQUESTS\b/i.test(t) ? 'TOOMANYREQUESTS' : 'pull rate limit');
  } else if (/\bMANIFEST_UNKNOWN\b|\bmanifest unknown\b/i.test(t)) {
    kind = 'image-not-found';
    tokens.push('MANIFEST_UNKNOWN');
  } else if (/\bNAME_UNKNOWN\b|repository name not known/i.test(t)) {
    kind = 'image-not-found';
    tokens.push('NAME_UNKNOWN');
  } else if (/\bUNAUTHORIZED\b/.test(t) || /authentication required/i.test(t)) {
    kind = 'unauthorized';
    if (/\bUNAUTHORIZED\b/.test(t)) tokens.push('UNAUTHORIZED');
    if (/authentication required/i.test(t)) tokens.push('authentication required');
  } else if (
    /\bDENIED\b/.test(t) ||
    /\bdenied:\s*requested access to the resource is denied/i.test(t) ||
    /\bdenied:/i.test(t)
  ) {
    kind = 'denied';
    tokens.push('DENIED');
  }
  if (!kind) return undefined;

  const out: PullErrorMatch = { kind, tokens };
  if (ipMatch?.[1]) out.clientIp = ipMatch[1];
  const image = extractImageReference(t);
  if (image) out.image = image;

  const service = /[?&]service=([^&\s:'"]+(?:%3A\d+)?)/i.exec(t);
  if (service?.[1]) out.loginServer = safeDecode(service[1]).toLowerCase();
  const scope = /[?&]scope=repository(?:%3A|:)([^&\s'"]+?)(?:%3A|:)(?:pull|push|\*|delete|metadata_read)/i.exec(t);
  if (scope?.[1]) out.repository = safeDecode(scope[1]).toLowerCase();

  // URLs naming the registry host: https://reg.azurecr.io/oauth2/token…, https://reg.azurecr.io/v2/team/api/manifests/1.0
  const url = /https:\/\/([a-z0-9.-]+\.[a-z]{2,}(?::\d+)?)(\/[^\s'"]*)?/gi;
  for (const u of t.matchAll(url)) {
    const host = (u[1] ?? '').toLowerCase();
    if (host === 'aka.ms' || host.endsWith('.microsoft.com')) continue;
    out.loginServer ??= host;
    const manifests = /^\/v2\/(.+?)\/(?:manifests|blobs)\/([^\s/?'"]+)/i.exec(u[2] ?? '');
    if (manifests?.[1]) {
      out.repository ??= manifests[1].toLowerCase();
      if (kind === 'image-not-found' && manifests[2] && !manifests[2].startsWith('sha256:'))
        out.missingTag ??= manifests[2];
    }
    break;
  }
  if (!out.loginServer && image) out.loginServer = image.loginServer;
  if (!out.repository && image) out.repository = image.repository;

  const tagged =
    /manifest tagged by\s*\\?["'“]([^"'”\\]+)\\?["'”]\s*is not found/i.exec(t) ?? /map\[Tag:([^\]\s]+)\]/i.exec(t);
  if (tagged?.[1]) out.missingTag = tagged[1];

  const field =
    /template\.(?:init)?containers\.([A-Za-z0-9._-]+?)\.image/i.exec(t) ??
    /template\.(?:init)?containers\[([^\]]+)\]/i.exec(t);
  if (field?.[1]) out.containerName = field[1].replace(/^['"]|['"]$/g, '');
  return out;
}

/**
 * Every failing image's pull error, in the order the platform lists them: a provisioning error names one failure per
 * image (`Field 'template.containers.NAME.image' is invalid with details: '…'`, init containers too), each matched on
 * its own text. A text without such fields is one failure.
 */
export function matchPullErrors(text: string | undefined): PullErrorMatch[] {
  if (!text) return [];
  const starts = [...text.matchAll(/Field '?template\.(?:init)?containers[.[]/gi)].map((m) => m.index);
  if (starts.length <= 1) {
    const one = matchPullError(text);
    return one ? [one] : [];
  }
  return starts
    .map((start, i) => matchPullError(text.slice(start, starts[i + 1])))
    .filter((m): m is PullErrorMatch => !!m);
}

/** The login server a pull error is about: the image's, else the registry host the error names. */
export function loginServerOf(m: PullErrorMatch): string | undefined {
  return m.image?.loginServer ?? m.loginServer;
}

// ───────────────────────────── Key Vault secret references ─────────────────────────────

export interface SecretRefFailure {
  /** The Container Apps secret whose Key Vault value could not be read. */
  secretName: string;
  /** `system` or the user-assigned identity's resource id, as the message names it. */
  identity?: string;
  /** The reason the platform gave after `Error:`. */
  detail?: string;
}

/**
 * Recognise a Key Vault secret reference the app's identity could not read (microsoft/azure-container-apps#722,
 * #930, #1159): `Field 'configuration.secrets' is invalid with details: 'Invalid value: "NAME": Unable to get value
 * using Managed identity ID for secret NAME. Error: unable to fetch secret 'NAME' using Managed identity 'ID''`.
 */
export function matchSecretRefError(text: string | undefined): SecretRefFailure | undefined {
  if (!text) return undefined;
  const t = text.replace(/\\"/g, '"');
  const m =
    /Unable to get value using Managed\s+identity\s+(\S+)\s+for secret\s+([A-Za-z0-9._-]+)/i.exec(t) ??
    /unable to fetch secret\s+'([A-Za-z0-9._-]+)'\s+using Managed\s+identity\s+'([^']+)'/i.exec(t);
  if (!m) return undefined;
  const fetchForm = /^unable to fetch/i.test(m[0]);
  const secretName = ((fetchForm ? m[1] : m[2]) ?? '').replace(/\.+$/, '');
  const identity = fetchForm ? m[2] : m[1];
  const out: SecretRefFailure = { secretName };
  if (identity) out.identity = identity.replace(/[.;']+$/, '');
  const detail = /Error:\s*([^;]+?)(?:'';|';|$)/.exec(t)?.[1];
  if (detail) out.detail = detail.trim().replace(/'+$/, '');
  return out;
}

// ───────────────────────────── AuthorizationFailed ─────────────────────────────

export interface AuthorizationFailure {
  code: string;
  message: string;
  callerObjectId?: string;
  /** Client id (application id) or UPN named as "The client '…'". */
  client?: string;
  action?: string;
  scope?: string;
}

/**
 * Parse a JSON document, unwrapping JSON strings in strings (an Activity Log statusMessage) up to three times.
 * `value` is as far as it got; `broken` when a layer that looked like JSON did not parse.
 */
export function unwrapNestedJson(text: string): { value: unknown; broken: boolean } {
  let value: unknown = text;
  for (let i = 0; i < 3 && typeof value === 'string'; i++) {
    const s = value.trim();
    if (!(s.startsWith('{') || s.startsWith('"'))) break;
    try {
      value = JSON.parse(s);
    } catch {
      return { value, broken: true };
    }
  }
  return { value, broken: false };
}

/** The `{code, message}` inside a statusMessage, however it is wrapped (JSON string, nested JSON, plain text). */
export function extractArmError(text: string | undefined): { code?: string; message: string } | undefined {
  if (!text || text.trim() === '') return undefined;
  const { value } = unwrapNestedJson(text);
  if (typeof value === 'object' && value !== null) {
    const o = value as { error?: { code?: unknown; message?: unknown }; code?: unknown; message?: unknown };
    const e = o.error ?? o;
    const message = typeof e.message === 'string' ? e.message : JSON.stringify(value);
    return typeof e.code === 'string' ? { code: e.code, message } : { message };
  }
  return { message: String(value) };
}

/**
 * Parse an ARM AuthorizationFailed (or LinkedAuthorizationFailed) message, given as the plain message or the
 * statusMessage JSON. Undefined when the text is not an authorization failure.
 */
export function parseAuthorizationFailed(text: string | undefined): AuthorizationFailure | undefined {
  const err = extractArmError(text);
  if (!err) return undefined;
  const msg = err.message;
  const code =
    err.code ??
    /\bAuthorizationFailed\b/.exec(text ?? '')?.[0] ??
    (/does not have authorization to perform action/i.test(msg) ? 'AuthorizationFailed' : undefined);
  if (!code || !/AuthorizationFailed$/i.test(code)) return undefined;
  const out: AuthorizationFailure = { code, message: msg };
  const q = `['"‘’“”]`;
  const client = new RegExp(`client\\s+${q}([^'"‘’“”]+)${q}\\s+with object id`, 'i').exec(msg);
  if (client?.[1]) out.client = client[1];
  const oid = new RegExp(`object id\\s+${q}?([0-9a-f-]{32,36})${q}?`, 'i').exec(msg);
  if (oid?.[1]) out.callerObjectId = oid[1].toLowerCase();
  const action = new RegExp(`(?:perform|to perform)\\s+action\\s+${q}([^'"‘’“”]+)${q}`, 'i').exec(msg);
  if (action?.[1]) out.action = action[1];
  const scope = new RegExp(`(?:over|on)\\s+scope\\s+${q}([^'"‘’“”]+)${q}`, 'i').exec(msg);
  if (scope?.[1]) out.scope = scope[1];
  return out;
}
