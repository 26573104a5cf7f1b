/**
 * Error-text matchers, table-driven over the real-shaped corpus in test/fixtures/messages/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  extractArmError,
  matchPullError,
  parseAuthorizationFailed,
  parseImageReference,
} from '../../src/diagnose/messages';

const load = <T>(name: string): T =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'messages', name), 'utf8')) as T;

type PullCase = { name: string; text: string; expect: null | Record<string, string | null> };
type AuthzCase = { name: string; text: string; expect: null | Record<string, string> };
type RefCase = { ref: string; expect: null | Record<string, string> };

describe('matchPullError', () => {
  const cases = load<PullCase[]>('pull-errors.json');
  it('has a corpus covering every kind', () => {
    const kinds = new Set(cases.map((c) => c.expect?.['kind']).filter(Boolean));
    expect([...kinds].sort()).toEqual([
      'denied',
      'host-not-found',
      'image-not-found',
      'network-blocked',
      'unauthorized',
    ]);
  });
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const m = matchPullError(c.text);
    if (c.expect === null) {
      expect(m).toBeUndefined();
      return;
    }
    expect(m).toBeDefined();
    const got: Record<string, string | undefined> = {
      kind: m?.kind,
      image: m?.image?.image,
      loginServer: m?.loginServer,
      repository: m?.repository,
      tag: m?.image?.tag,
      digest: m?.image?.digest,
      missingTag: m?.missingTag,
      containerName: m?.containerName,
      clientIp: m?.clientIp,
    };
    for (const [k, v] of Object.entries(c.expect)) expect([k, got[k]]).toEqual([k, v === null ? undefined : v]);
    expect(m?.tokens.length).toBeGreaterThan(0);
  });
});

describe('parseAuthorizationFailed', () => {
  it.each(load<AuthzCase[]>('authorization-failed.json').map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const f = parseAuthorizationFailed(c.text);
    if (c.expect === null) {
      expect(f).toBeUndefined();
      return;
    }
    expect(f).toMatchObject(c.expect);
    expect(f?.message).toMatch(/action/);
  });
});

describe('parseImageReference', () => {
  it.each(load<RefCase[]>('image-references.json').map((c) => [c.ref, c] as const))('%s', (_ref, c) => {
    const r = parseImageReference(c.ref);
    if (c.expect === null) expect(r).toBeUndefined();
    else {
      expect(r).toMatchObject(c.expect);
      if (!('digest' in c.expect)) expect(r?.digest).toBeUndefined();
    }
  });
});

describe('extractArmError', () => {
  it('unwraps {error:{code,message}} and keeps plain text', () => {
    expect(extractArmError('{"error":{"code":"Conflict","message":"busy"}}')).toEqual({
      code: 'Conflict',
      message: 'busy',
    });
    expect(extractArmError('just text')).toEqual({ message: 'just text' });
    expect(extractArmError('')).toBeUndefined();
  });
});
