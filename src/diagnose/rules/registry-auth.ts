/**
 * Registry answers that no role can change, decided inside the pull family:
 *   rate-limited          the registry throttled the pull (TOOMANYREQUESTS): `registry-auth/rate-limited`
 *   credentials-rejected  a registry outside ACR refused the pull, or an ACR registry refused the username/password
 *                         (admin user) the entry pulls with: `registry-auth/credentials-rejected`
 * Never `acr-pull/registry-not-found` or ACR advice for a login server outside ACR (CONTRACTS.md §1).
 */
import { parseResourceId } from '../../azure/ids';
import type { AcrPullFacts } from '../facts-model';
import { isAcrLoginServer } from '../messages';
import type { AcrPullAnalysis } from './acr-pull-analysis';
import { azAcrImport, azRegistrySet, azRegistrySetCredentials } from './az-commands';
import { finish, workloadNoun, type Rule } from './rule';

/** The login server the failure is about (the image's, else the error's). */
export function loginServerOf(f: AcrPullFacts): string | undefined {
  return f.image?.loginServer ?? f.pullError.loginServer;
}

/** The pull went to a registry outside ACR (Docker Hub, GHCR, a private registry). */
export function isOutsideAcr(f: AcrPullFacts): boolean {
  const ls = loginServerOf(f);
  return ls !== undefined && !isAcrLoginServer(ls);
}

function withRegistryAuth(f: AcrPullFacts, a: AcrPullAnalysis): AcrPullAnalysis['details'] {
  const e = f.registryEntry;
  const ls = loginServerOf(f);
  return {
    ...a.details,
    registryAuth: {
      acr: ls !== undefined && isAcrLoginServer(ls),
      ...(e?.username ? { username: e.username } : {}),
      ...(e?.passwordSecretRef ? { passwordSecretRef: e.passwordSecretRef } : {}),
      ...(e?.identity ? { identity: e.identity } : {}),
    },
  };
}

function describeEntry(f: AcrPullFacts, server: string): string {
  const e = f.registryEntry;
  if (!e) return `configuration.registries[] has no entry for ${server}: the pull was anonymous.`;
  if (e.username)
    return `The app's registries[] entry for ${e.server} pulls with username ${e.username} and the password in secret ${e.passwordSecretRef ?? '(none)'}.`;
  return `The app's registries[] entry for ${e.server} names identity ${e.identity ?? '(none)'}, which a registry outside ACR does not accept.`;
}

export const RATE_LIMITED_RULE: Rule<AcrPullFacts, AcrPullAnalysis> = {
  name: 'rate-limited',
  when: (f) => f.pullError.kind === 'rate-limited',
  build: (f, a) => {
    const server = loginServerOf(f) ?? 'the registry';
    const rg = parseResourceId(f.app.id).resourceGroup;
    return finish(
      'registry-auth/rate-limited',
      f.app.id,
      `Registry ${server} throttled the pull of ${a.details.image ?? 'the image'} by ${workloadNoun(f.app)} ${f.app.name} (${f.pullError.tokens.join(', ')}).`,
      [
        ...a.evidence,
        `The registry answered ${f.pullError.tokens.join(', ')}: it was reached and refused to serve more pulls for now; roles and network are not the cause.`,
        describeEntry(f, server),
      ],
      withRegistryAuth(f, a),
      [
        `Authenticate the pulls (higher limits): ${azRegistrySetCredentials(f.app.name, rg, server, f.registryEntry?.username)}`,
        `Or serve the image from your own ACR: ${azAcrImport(a.details.image)} (or an ACR cache rule: az acr cache create).`,
        'Then deploy again.',
      ],
    );
  },
};

export const CREDENTIALS_REJECTED_RULE: Rule<AcrPullFacts, AcrPullAnalysis> = {
  name: 'credentials-rejected',
  when: (f) =>
    isOutsideAcr(f) || (!!f.registryEntry && !f.registryEntry.identity && !!f.registryEntry.username && !!f.registry),
  build: (f, a) => {
    const server = loginServerOf(f) ?? 'the registry';
    const rg = parseResourceId(f.app.id).resourceGroup;
    const outside = isOutsideAcr(f);
    const who = f.registryEntry?.username ? `username ${f.registryEntry.username}` : 'an anonymous pull';
    const steps = [
      `Put a valid password or token in the registry entry: ${azRegistrySetCredentials(f.app.name, rg, server, f.registryEntry?.username)}`,
    ];
    if (!outside)
      steps.push(
        `Better, for ACR: pull with a managed identity instead of the admin user: ${azRegistrySet(f.app.name, rg, server)}, and grant that identity AcrPull on ${f.registry?.id ?? 'the registry'}.`,
      );
    steps.push('Then deploy again.');
    return finish(
      'registry-auth/credentials-rejected',
      f.app.id,
      `Registry ${server} refused ${who} of ${workloadNoun(f.app)} ${f.app.name} pulling ${a.details.image ?? 'its image'} (${f.pullError.tokens.join(', ')}).`,
      [
        ...a.evidence,
        `The registry answered ${f.pullError.tokens.join(', ')}: it was reached and refused the credentials${outside ? `; ${server} is not an Azure Container Registry, so no Azure role can grant the pull` : ''}.`,
        describeEntry(f, server),
      ],
      withRegistryAuth(f, a),
      steps,
    );
  },
};
