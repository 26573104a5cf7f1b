/**
 * Governance reads of the ArmPort over the real SDK clients: the management-group ancestry of a subscription
 * (`@azure/arm-managementgroups` entities: one paged POST /providers/Microsoft.Management/getEntities answers the
 * parent of every subscription and management group; cached with a TTL) and policy assignments / definitions
 * (`@azure/arm-policy`, by id: built-in, subscription or management-group definitions and set definitions).
 */
import { ManagementGroupsAPI } from '@azure/arm-managementgroups';
import { PolicyClient } from '@azure/arm-policy';
import type { TokenCredential } from '@azure/core-auth';
import type { ArmPort, PolicyAssignmentInfo, PolicyDefinitionInfo } from '../azure/arm-port';
import { normalizeId } from '../azure/ids';
import type { Clock } from '../model';
import { collect, defined, orUndefinedOn404 } from './sdk-arm-mapping';
import { TtlCache } from './ttl-cache';

type GovernanceReads = Required<
  Pick<ArmPort, 'listManagementGroupAncestors' | 'getPolicyAssignment' | 'getPolicyDefinition'>
> & { clearCaches(): void };

/** Client options every SDK client of the adapter shares (endpoint, TLS, retries, the request-counting policy). */
export type CommonClientOptions = ConstructorParameters<typeof ManagementGroupsAPI>[1];

const MG_PREFIX = '/providers/microsoft.management/managementgroups/';

export function createGovernanceReads(
  credential: TokenCredential,
  common: CommonClientOptions,
  clock: Clock,
  ttlMs: number,
): GovernanceReads {
  const mgClient = new ManagementGroupsAPI(credential, common);
  const policyClients = new Map<string, PolicyClient>();
  const policyClient = (sub?: string): PolicyClient => {
    const key = sub?.toLowerCase() ?? '';
    let c = policyClients.get(key);
    if (!c) {
      c = sub ? new PolicyClient(credential, sub, common) : new PolicyClient(credential, common);
      policyClients.set(key, c);
    }
    return c;
  };
  /** entity id (normalised) → parent id, for every subscription and management group the caller can see. */
  const hierarchy = new TtlCache<Map<string, string>>(clock, ttlMs, 1);
  const loadHierarchy = async (): Promise<Map<string, string>> => {
    const parents = new Map<string, string>();
    for (const e of await collect(mgClient.entities.list())) {
      if (!e.id || !e.parent?.id) continue;
      parents.set(normalizeId(e.id), e.parent.id);
    }
    return parents;
  };

  return {
    clearCaches: () => hierarchy.clear(),

    async listManagementGroupAncestors(subscriptionId) {
      const parents = await hierarchy.getOrLoad('all', loadHierarchy);
      const out: string[] = [];
      let cur = parents.get(normalizeId(`/subscriptions/${subscriptionId}`));
      while (cur && out.length < 10 && !out.some((o) => normalizeId(o) === normalizeId(cur as string))) {
        out.push(cur);
        cur = parents.get(normalizeId(cur));
      }
      return out;
    },

    async getPolicyAssignment(assignmentId) {
      const a = await orUndefinedOn404(policyClient().policyAssignments.getById(assignmentId));
      if (!a) return undefined;
      return defined<PolicyAssignmentInfo>({
        id: a.id ?? assignmentId,
        name: a.name ?? assignmentId.split('/').pop() ?? assignmentId,
        displayName: a.displayName,
        scope: a.scope,
        policyDefinitionId: a.policyDefinitionId,
        enforcementMode: a.enforcementMode,
        notScopes: a.notScopes ?? [],
        parameters: a.parameters ? { ...a.parameters } : undefined,
      });
    },

    async getPolicyDefinition(definitionId) {
      const id = normalizeId(definitionId);
      const m =
        /^(?:\/subscriptions\/([^/]+)|\/providers\/microsoft\.management\/managementgroups\/([^/]+))?\/providers\/microsoft\.authorization\/(policydefinitions|policysetdefinitions)\/([^/]+)$/.exec(
          id,
        );
      if (!m) return undefined;
      const original = definitionId.trim().replace(/\/+$/, '').split('/');
      const name = original[original.length - 1] as string;
      const sub = m[1] ? (original[2] as string) : undefined;
      const mg = id.startsWith(MG_PREFIX) ? (original[4] as string) : undefined;
      const set = m[3] === 'policysetdefinitions';
      const client = policyClient(sub);
      const ops = set ? client.policySetDefinitions : client.policyDefinitions;
      const d = await orUndefinedOn404(
        mg ? ops.getAtManagementGroup(mg, name) : sub ? ops.get(name) : ops.getBuiltIn(name),
      );
      if (!d) return undefined;
      const rule = 'policyRule' in d ? (d.policyRule as { then?: { effect?: unknown } } | undefined) : undefined;
      const effect = typeof rule?.then?.effect === 'string' ? rule.then.effect : undefined;
      const effectParam = effect ? /^\[parameters\('([^']+)'\)\]$/i.exec(effect)?.[1] : undefined;
      const def: unknown = effectParam ? d.parameters?.[effectParam]?.defaultValue : undefined;
      return defined<PolicyDefinitionInfo>({
        id: d.id ?? definitionId,
        name: d.name ?? name,
        displayName: d.displayName,
        policyType: d.policyType,
        effect,
        effectDefault: typeof def === 'string' ? def : undefined,
      });
    },
  };
}
