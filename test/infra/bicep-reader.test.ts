/**
 * The Bicep text reader the infra tests rely on: it must read what is there and notice what is not.
 */
import { findBracketProblems, maskBicep, readBlockObject, readBlocks, readObjectVar, readParams } from './bicep-reader';

const SAMPLE = `
targetScope = 'subscription'

// a comment with { an unbalanced brace
@allowed([
  'dry-run'
  'auto-fix'
])
@description('Mode. Braces in strings { are ignored } and so are \\'escaped\\' quotes.')
param mode string = 'dry-run'

@secure()
param secret string = ''
param count int = 20
param scopes array = [
  'a'
]
param required string

var settings = {
  MODE: mode
  URL: empty(secret) ? '' : '@Microsoft.KeyVault(SecretUri=\${vault}/secrets/x/)'
  COUNT: string(count)
  NESTED: {
    inner: 1
  }
}

module child 'modules/child.bicep' = [
  for s in scopes: {
    name: 'child-\${uniqueString(s)}'
    params: {
      value: s
      other: '}'
    }
  }
]

resource thing 'Microsoft.Foo/bars@2024-01-01' = if (count > 1) {
  name: 'x'
  properties: {
    a: 'b'
  }
}
`;

describe('bicep reader', () => {
  it('masks strings and comments but keeps interpolated code visible', () => {
    const masked = maskBicep("var a = 'x{y}z${b}' // }\n");
    expect(masked).toContain('${b}');
    expect(masked).not.toContain('x{y}z');
    expect(masked.includes('// }')).toBe(false);
    expect(masked.length).toBe("var a = 'x{y}z${b}' // }\n".length);
  });

  it('finds balanced and unbalanced brackets', () => {
    expect(findBracketProblems(SAMPLE)).toEqual([]);
    expect(findBracketProblems('var a = {\n  b: [1, 2\n}\n').length).toBeGreaterThan(0);
    expect(findBracketProblems("var a = '{'\n")).toEqual([]);
  });

  it('reads params with defaults and multi-line decorators', () => {
    const params = readParams(SAMPLE);
    expect([...params.keys()]).toEqual(['mode', 'secret', 'count', 'scopes', 'required']);
    expect(params.get('mode')?.defaultText).toBe("'dry-run'");
    expect(params.get('mode')?.decorators[0]).toMatch(/^@allowed\(\[ 'dry-run' 'auto-fix' \]\)$/);
    expect(params.get('mode')?.decorators[1]).toMatch(/^@description\(/);
    expect(params.get('secret')?.decorators).toEqual(['@secure()']);
    expect(params.get('count')).toEqual({ name: 'count', type: 'int', defaultText: '20', decorators: [] });
    expect(params.get('scopes')?.defaultText).toBe("[\n  'a'\n]");
    expect(params.get('required')?.defaultText).toBeUndefined();
  });

  it('reads the top-level entries of an object variable', () => {
    const settings = readObjectVar(SAMPLE, 'settings');
    expect([...settings.keys()]).toEqual(['MODE', 'URL', 'COUNT', 'NESTED']);
    expect(settings.get('URL')).toContain('@Microsoft.KeyVault(SecretUri=');
    expect(settings.get('NESTED')).toBe('{\n    inner: 1\n  }');
    expect(() => readObjectVar(SAMPLE, 'missing')).toThrow(/not found/);
  });

  it('reads module and resource blocks, loops and conditions', () => {
    const blocks = readBlocks(SAMPLE);
    expect(blocks.map((b) => [b.kind, b.symbol, b.target])).toEqual([
      ['module', 'child', 'modules/child.bicep'],
      ['resource', 'thing', 'Microsoft.Foo/bars@2024-01-01'],
    ]);
    expect(blocks[0]!.head).toMatch(/^\[\s*for s in scopes:$/);
    expect(blocks[1]!.head).toBe('if (count > 1)');
    const params = readBlockObject(blocks[0]!, 'params');
    expect(params && [...params.entries()]).toEqual([
      ['value', 's'],
      ['other', "'}'"],
    ]);
    expect(readBlockObject(blocks[1]!, 'properties')?.get('a')).toBe("'b'");
  });
});
