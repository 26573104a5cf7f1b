/** The kind catalog: one entry per kind, and the lists other modules derive from it. */
import { CATALOG_KINDS, KINDS, kindDecidedByPullError, triageCandidates } from '../src/kinds';
import { DIAGNOSIS_KINDS } from '../src/model';
import { WEBHOOK_TRANSPORTS } from '../src/adapters/webhook-sender';
import { CHANNEL_NAMES, CHANNELS } from '../src/notify';

describe('kind catalog', () => {
  it('has exactly one entry per diagnosis kind, each with a label, a meaning and a remediation', () => {
    expect([...CATALOG_KINDS].sort()).toEqual([...DIAGNOSIS_KINDS].sort());
    for (const kind of DIAGNOSIS_KINDS) {
      expect(KINDS[kind].label.length).toBeGreaterThan(0);
      expect(KINDS[kind].meaning.length).toBeGreaterThan(0);
      expect(KINDS[kind].remediation.length).toBeGreaterThan(0);
    }
  });

  it('ranks the causes of a refused pull and of a denied action, most likely first', () => {
    expect(triageCandidates('pull-refused')).toEqual([
      'acr-pull/missing-role',
      'acr-pull/abac-role-mismatch',
      'acr-pull/role-propagating',
      'acr-pull/system-identity-on-create',
      'acr-pull/identity-not-attached',
      'acr-pull/no-registry-identity',
      'acr-pull/arm-token-auth-disabled',
    ]);
    expect(triageCandidates('authz-denied')).toEqual([
      'arm-authz/missing-role',
      'arm-authz/wrong-scope',
      'arm-authz/deny-assignment',
      'arm-authz/role-propagating',
      'arm-authz/condition-not-met',
      'arm-authz/wrong-principal',
    ]);
    expect(kindDecidedByPullError('host-not-found')).toBe('acr-pull/registry-not-found');
    expect(kindDecidedByPullError('unauthorized')).toBeUndefined();
  });

  it('puts every ACR pull kind in one story family, and each authorization kind in its own', () => {
    for (const kind of DIAGNOSIS_KINDS) {
      const { family, story } = KINDS[kind];
      if (family === 'acr-pull') expect(story).toEqual({ family: 'acr-pull', by: 'revision' });
      if (family === 'arm-authz') expect(story).toEqual({ family: kind, by: 'denial' });
    }
  });
});

describe('channel registry', () => {
  it('lists Teams then Slack, each with a renderer, a post and a request spacing', () => {
    expect(CHANNEL_NAMES).toEqual(['teams', 'slack']);
    for (const name of CHANNEL_NAMES) {
      expect(typeof CHANNELS[name].render).toBe('function');
      expect(typeof WEBHOOK_TRANSPORTS[name]).toBe('function');
      expect(CHANNELS[name].limits.minIntervalMs).toBeGreaterThan(0);
    }
  });
});
