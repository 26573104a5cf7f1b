/**
 * Azure Policy reads (PolicyClient): policy assignments by id (`policyAssignments.getById`) at any scope, and policy
 * (set) definitions built in (`/providers/Microsoft.Authorization/policyDefinitions/{name}`), in a subscription or in
 * a management group — the world's `Microsoft.Authorization/policyAssignments|policyDefinitions|policySetDefinitions`
 * resources, as ARM returns them on GET. Refusals of writes by a deny policy are in http/policy-check.ts.
 */
import { HttpError, methodNotAllowed } from '../http/context';
import type { Provider } from './provider';

const POLICY_PATH =
  /^(.*?)\/providers\/microsoft\.authorization\/(policyassignments|policydefinitions|policysetdefinitions)\/([^/]+)$/i;

const NOT_FOUND: Record<string, [string, string]> = {
  policyassignments: ['PolicyAssignmentNotFound', 'policy assignment'],
  policydefinitions: ['PolicyDefinitionNotFound', 'policy definition'],
  policysetdefinitions: ['PolicySetDefinitionNotFound', 'policy set definition'],
};

export const policyProvider: Provider = {
  name: 'Microsoft.Authorization/policy*',
  stage: 'any-scope',
  route(ctx, arm) {
    const m = POLICY_PATH.exec(ctx.path);
    if (!m) return undefined;
    if (ctx.method !== 'GET') throw methodNotAllowed(ctx.method, ctx.path);
    const found = arm.state.get(ctx.path);
    if (found) return { status: 200, body: found };
    const [code, what] = NOT_FOUND[(m[2] ?? '').toLowerCase()] ?? ['NotFound', 'resource'];
    throw new HttpError(404, code, `The ${what} '${m[3] ?? ''}' could not be found.`);
  },
};
