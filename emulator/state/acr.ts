/**
 * Registry pulls as ACR answers them to a Container Apps host: the registry by login server, network rules,
 * authentication-as-ARM, legacy (AcrPull) vs ABAC repository-permission role mode, admin credentials, and whether the
 * repository and tag exist. The messages are the ones the platform puts into a revision's provisioning error.
 */
import { obj, str } from '../values';
import { registryPath } from './network';
import type { RbacEngine } from './rbac';
import type { Resource, ResourceStore } from './store';

export const PULL_ACTION = 'Microsoft.ContainerRegistry/registries/pull/read';
export const REPOSITORY_READ_DATA_ACTION = 'Microsoft.ContainerRegistry/registries/repositories/content/read';

const T_REGISTRY = 'microsoft.containerregistry/registries';

export type PullVerdict = { ok: true } | { ok: false; error: string };

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

export class AcrPulls {
  constructor(
    private readonly store: ResourceStore,
    private readonly rbac: RbacEngine,
  ) {}

  registryByLoginServer(server: string): Resource | undefined {
    return this.store
      .ofType(T_REGISTRY)
      .find((r) => str(obj(r.properties)['loginServer'])?.toLowerCase() === server.toLowerCase());
  }

  /**
   * The emulator's verdict on pulling `image` with `principalId` (undefined = anonymous / no usable identity), from
   * the Container Apps environment `environmentId` (its network decides a private endpoint path, network.ts).
   */
  canPull(
    principalId: string | undefined,
    image: string,
    opts: { adminCredentials?: boolean; username?: string; environmentId?: string } = {},
  ): PullVerdict {
    const parsed = parseImage(image);
    if (!parsed) return { ok: false, error: `invalid reference format: "${image}"` };
    const { server, repository } = parsed;
    const registry = this.registryByLoginServer(server);
    if (!registry) {
      if (!/\.azurecr\.(io|cn|us)$/i.test(server)) return this.externalPull(parsed, opts.username);
      return {
        ok: false,
        error: `Get "https://${server}/v2/": dial tcp: lookup ${server} on 168.63.129.16:53: no such host`,
      };
    }
    const p = obj(registry.properties);
    const scopeUrl = `GET https:?scope=repository%3A${encodeURIComponent(repository)}%3Apull&service=${server}`;
    const path = registryPath(this.store, registry, server, opts.environmentId);
    if (path.via === 'unreachable') return { ok: false, error: path.error };
    if (
      path.via === 'public' &&
      (str(p['publicNetworkAccess'])?.toLowerCase() === 'disabled' ||
        str(obj(p['networkRuleSet'])['defaultAction'])?.toLowerCase() === 'deny')
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
          ? this.rbac.isAuthorized(principalId, REPOSITORY_READ_DATA_ACTION, registry.id, true)
          : this.rbac.isAuthorized(principalId, PULL_ACTION, registry.id, false);
        if (!allowed) return unauthorized;
      }
    }
    if (this.store.images) {
      const tags = this.store.images.get(server);
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

  /** A pull from a registry outside ACR, as the world's `externalRegistries` describe it (absent: it works). */
  private externalPull(image: ParsedImage, username: string | undefined): PullVerdict {
    const spec = this.store.externalRegistries.get(image.server);
    if (!spec) return { ok: true };
    const ref = `${image.repository}/manifests/${image.tag ?? image.digest ?? 'latest'}`;
    if (spec.rateLimited && !username)
      return {
        ok: false,
        error: `GET https://${image.server}/v2/${ref}: TOOMANYREQUESTS: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit`,
      };
    if (spec.users && !(username && spec.users.includes(username)))
      return {
        ok: false,
        error: `GET https://${image.server}/token?scope=repository%3A${encodeURIComponent(image.repository)}%3Apull&service=${image.server}: UNAUTHORIZED: authentication required`,
      };
    return { ok: true };
  }
}
