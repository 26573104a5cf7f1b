/**
 * Deterministic identifiers for fixes. Pure (hashing only; no clock, no I/O).
 * - role assignment name: a name-based UUID (RFC 4122 v5 layout: SHA-1 of namespace + name, version 5, variant 10xx)
 *   of the lower-cased scope + role GUID + principal, so every instance and every retry PUTs the same assignment;
 * - revision suffix of a redeploy: derived from the app and the failed revision;
 * - claim keys: one per unit of work (the fix, not the event).
 */
import { createHash } from 'node:crypto';
import { normalizeId, roleGuid } from '../azure/ids';

/** Namespace of the remediator's name-based UUIDs (itself a fixed random UUID). */
export const REMEDIATOR_UUID_NAMESPACE = '8f1c6a52-3d0e-4b7a-9c51-2e6f0d4a7b19';

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new TypeError(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

/** RFC 4122 §4.3 name-based UUID, version 5 (SHA-1). */
export function createNameBasedUuid(name: string, namespace: string = REMEDIATOR_UUID_NAMESPACE): string {
  const hash = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = ((b[6] as number) & 0x0f) | 0x50; // version 5
  b[8] = ((b[8] as number) & 0x3f) | 0x80; // variant 10xx
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The canonical identity of an assignment: scope + role GUID + principal, lower-cased. */
export function describeAssignmentIdentity(scope: string, roleDefinitionId: string, principalId: string): string {
  return `${normalizeId(scope)}|${roleGuid(roleDefinitionId)}|${principalId.trim().toLowerCase()}`;
}

/** Deterministic role assignment GUID (the `{name}` of `{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`). */
export function createRoleAssignmentName(scope: string, roleDefinitionId: string, principalId: string): string {
  return createNameBasedUuid(`role-assignment|${describeAssignmentIdentity(scope, roleDefinitionId, principalId)}`);
}

/**
 * Deterministic revision suffix for the redeploy of a failed revision: `heal-` + 10 hex characters.
 * Container Apps suffixes: lower-case letters, digits and single hyphens, starting with a letter; `{app}--{suffix}`
 * must stay within the revision name limit, so the suffix is kept short.
 */
export function createRevisionSuffix(appId: string, failedRevisionName: string | undefined): string {
  const h = createHash('sha256')
    .update(`${normalizeId(appId)}|${(failedRevisionName ?? '').toLowerCase()}`, 'utf8')
    .digest('hex');
  return `heal-${h.slice(0, 10)}`;
}

/** Claim partition for units of work. */
export const FIX_CLAIM_PARTITION = 'fix';

export function claimKeyForAssignRole(scope: string, roleDefinitionId: string, principalId: string): string {
  return `assign-role|${describeAssignmentIdentity(scope, roleDefinitionId, principalId)}`;
}

export function claimKeyForArmTokenAuth(registryId: string): string {
  return `enable-arm-token-auth|${normalizeId(registryId)}`;
}

export function claimKeyForRedeploy(appId: string, failedRevisionName: string | undefined): string {
  return `redeploy-revision|${normalizeId(appId)}|${(failedRevisionName ?? '(latest)').toLowerCase()}`;
}

/** The budget counter key of the hour containing `at` (UTC), e.g. `2026-11-21T10`. */
export function createBudgetHourKey(at: Date): string {
  return at.toISOString().slice(0, 13);
}
export const BUDGET_PARTITION = 'fix-budget';
