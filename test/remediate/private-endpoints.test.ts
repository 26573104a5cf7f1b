/**
 * Private endpoints (issue 14), through the real SDK clients against the emulator: a registry closed to the public
 * network but reached over an approved private endpoint in the environment's VNet (with the privatelink DNS zone
 * linked) answers UNAUTHORIZED → acr-pull/missing-role, fixed and healed; the same registry without the DNS link,
 * with a pending connection, or from an environment outside the VNet is not reachable → acr-pull/network-blocked,
 * with zero writes.
 */
import { ROLE_IDS } from '../../src/model';
import { withPrivateLink, type PrivateLinkSpec } from '../helpers/private-link';
import { deployWebV8, readWorld, startE2E, type E2E } from './e2e-helpers';

jest.setTimeout(30_000);

let t: E2E | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** Start the missing-role world with `spec`, deploy v8 through the SDK and take the failure event ARM raised. */
async function deployed(spec: PrivateLinkSpec, env: Record<string, string> = {}): Promise<{ e: E2E; error: string }> {
  const e = await startE2E('missing-role', env, { world: withPrivateLink(readWorld('missing-role'), spec) });
  return { e, error: await deployWebV8(e, (app) => app) };
}

describe('a registry behind a private endpoint', () => {
  it('reached but unauthorized: missing-role, AcrPull assigned, healed over the private path', async () => {
    const { e, error } = await deployed({});
    t = e;
    expect(error).toContain('UNAUTHORIZED');
    const registry = await e.emu
      .clientsFor('5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9')
      .registries.registries.get('shared-rg', 'acmeacr');
    expect(registry.publicNetworkAccess).toBe('Disabled');
    expect(registry.privateEndpointConnections?.[0]?.privateLinkServiceConnectionState?.status).toBe('Approved');
    const listed = [];
    for await (const c of e.emu
      .clientsFor('5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9')
      .registries.privateEndpointConnections.list('shared-rg', 'acmeacr'))
      listed.push(c);
    expect(listed.map((c) => c.privateEndpoint?.id)).toEqual([expect.stringMatching(/privateEndpoints\/acmeacr-pe$/)]);
    const { result, diagnosis } = await e.run();
    expect(diagnosis.kind).toBe('acr-pull/missing-role');
    expect(diagnosis.evidence.join('\n')).toMatch(
      /closed to the public network.*reached.*private endpoint acmeacr-pe/s,
    );
    expect(result.actions.map((a) => [a.type, a.status])).toEqual([
      ['assign-role', 'applied'],
      ['redeploy-revision', 'applied'],
    ]);
    expect(result.actions[0]?.roleDefinitionId).toBe(ROLE_IDS.acrPull);
    const runs = await e.settle();
    expect(runs[runs.length - 1]?.result.status).toBe('healed');
  });

  it.each<[string, PrivateLinkSpec, RegExp]>([
    ['the privatelink DNS zone is not linked to the VNet', { dnsLinked: false }, /DENIED: client with IP/],
    ['the connection is still Pending', { connection: 'Pending' }, /dial tcp 10\.0\.2\.5:443: i\/o timeout/],
    ['the environment is not in the VNet', { environmentInVnet: false }, /DENIED: client with IP/],
    ['no private endpoint, DNS zone linked', { connection: 'none' }, /no such host/],
  ])('not reachable (%s): network-blocked, zero writes in auto-fix', async (_name, spec, token) => {
    const { e, error } = await deployed(spec);
    t = e;
    expect(error).toMatch(token);
    const before = e.writes().length;
    const { result, diagnosis } = await e.run();
    expect(diagnosis.kind).toBe('acr-pull/network-blocked');
    if (spec.connection !== 'none')
      expect(diagnosis.summary).toMatch(/did not reach the registry through its private endpoint acmeacr-pe/);
    else expect(diagnosis.summary).toMatch(/has no private endpoint connection/);
    expect(result.actions.filter((a) => a.status === 'applied')).toEqual([]);
    expect(e.writes().slice(before)).toEqual([]);
  });

  it('dry-run of the reachable case plans the fix and writes nothing', async () => {
    const { e } = await deployed({}, { REMEDIATOR_MODE: 'dry-run' });
    t = e;
    const before = e.writes().length;
    const { result, diagnosis } = await e.run();
    expect(diagnosis.kind).toBe('acr-pull/missing-role');
    expect(result.actions.map((a) => a.status)).toEqual(['planned', 'planned']);
    expect(e.writes().slice(before)).toEqual([]);
  });
});
