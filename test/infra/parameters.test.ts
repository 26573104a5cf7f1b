/**
 * azd's infra/main.parameters.json against the compiled main.bicep's parameter definitions: only declared
 * parameters, every required one given, each value (after azd's `${VAR=default}` substitution) of the declared type,
 * within allowed values and ranges, and each azd default equal to the template's default (REMEDIATOR_MODE stays
 * dry-run). `npm run infra:check` also compiles the resolved file with `bicep build-params`; its output is checked too.
 */
import { join } from 'node:path';
import { ARM_DIR, INFRA_DIR, type ArmParameter, loadCompiledTemplate, readJson } from './arm';

const main = loadCompiledTemplate('main');
const file = readJson<{ parameters: Record<string, { value: unknown }> }>(join(INFRA_DIR, 'main.parameters.json'));

/** azd's substitution: `${VAR=default}` → default when VAR is unset; `${VAR}` → undefined (azd asks for it). */
function resolveAzdValue(value: unknown): { variable?: string; value: string | undefined } {
  const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?\}$/s.exec(String(value));
  return m ? { variable: m[1]!, value: m[2] } : { value: String(value) };
}

/** The value a parameter of this type receives from azd's string (azd converts bool and int parameters). */
function convert(text: string, type: string): unknown {
  if (type === 'bool') {
    if (text !== 'true' && text !== 'false') throw new Error(`'${text}' is not a bool`);
    return text === 'true';
  }
  if (type === 'int') {
    if (!/^-?\d+$/.test(text)) throw new Error(`'${text}' is not an int`);
    return Number(text);
  }
  if (type === 'string' || type === 'securestring') return text;
  return JSON.parse(text) as unknown;
}

/** Why a value does not fit the parameter definition, if it does not. */
function findViolation(value: unknown, def: ArmParameter): string | undefined {
  if (def.allowedValues && !def.allowedValues.includes(value)) return `not one of ${JSON.stringify(def.allowedValues)}`;
  if (typeof value === 'number') {
    if (def.minValue !== undefined && value < def.minValue) return `below ${def.minValue}`;
    if (def.maxValue !== undefined && value > def.maxValue) return `above ${def.maxValue}`;
  }
  if (typeof value === 'string' || Array.isArray(value)) {
    if (def.minLength !== undefined && value.length < def.minLength) return `shorter than ${def.minLength}`;
    if (def.maxLength !== undefined && value.length > def.maxLength) return `longer than ${def.maxLength}`;
  }
  return undefined;
}

describe('main.parameters.json (azd) against the compiled main.bicep', () => {
  it('the violation finder rejects what the compiled definitions forbid', () => {
    expect(findViolation('yolo', main.parameters['remediatorMode']!)).toMatch(/not one of/);
    expect(findViolation(31, main.parameters['maxDeliveryAttempts']!)).toBe('above 30');
    expect(findViolation('', main.parameters['environmentName']!)).toBe('shorter than 1');
    expect(findViolation('dry-run', main.parameters['remediatorMode']!)).toBeUndefined();
    expect(() => convert('yes', 'bool')).toThrow(/not a bool/);
  });

  it('sets only declared parameters and gives every required one', () => {
    for (const name of Object.keys(file.parameters)) {
      expect({ name, declared: name in main.parameters }).toEqual({ name, declared: true });
    }
    const required = Object.entries(main.parameters)
      .filter(([, def]) => !('defaultValue' in def))
      .map(([name]) => name);
    expect(required.sort()).toEqual(['environmentName', 'location']);
    for (const name of required) expect(Object.keys(file.parameters)).toContain(name);
    // the two azd itself provides
    expect(file.parameters['environmentName']?.value).toBe('${AZURE_ENV_NAME}');
    expect(file.parameters['location']?.value).toBe('${AZURE_LOCATION}');
  });

  it.each(Object.entries(file.parameters))(
    '%s: the azd default fits the declared type and equals the template default',
    (name, { value }) => {
      const def = main.parameters[name]!;
      const azd = resolveAzdValue(value);
      if (azd.value === undefined) return; // required: azd asks (checked above)
      const converted = convert(azd.value, def.type);
      expect({ name, violation: findViolation(converted, def) }).toEqual({ name, violation: undefined });
      if (name === 'resourceGroupName')
        expect(converted).toBe(''); // '' = the template's rg-<env> naming
      else expect({ name, azd: converted }).toEqual({ name, azd: def.defaultValue });
    },
  );

  it('keeps the safe defaults', () => {
    expect(file.parameters['remediatorMode']?.value).toBe('${REMEDIATOR_MODE=dry-run}');
    expect(main.parameters['remediatorMode']).toMatchObject({
      defaultValue: 'dry-run',
      allowedValues: ['dry-run', 'auto-fix', 'approve'],
    });
    expect(file.parameters['enableArmTokenAuthFix']?.value).toBe('${ENABLE_ARM_TOKEN_AUTH_FIX=false}');
    expect(main.parameters['enableArmTokenAuthFix']?.defaultValue).toBe(false);
  });

  it('bicep build-params accepted the file as azd resolves it (written by npm run infra:check)', () => {
    const built = readJson<{ parameters: Record<string, { value: unknown }> }>(
      join(ARM_DIR, 'main.azd.parameters.json'),
    );
    expect(Object.keys(built.parameters).sort()).toEqual(Object.keys(file.parameters).sort());
    expect(built.parameters['remediatorMode']?.value).toBe('dry-run');
    expect(built.parameters['deployEventWiring']?.value).toBe(false);
    expect(built.parameters['enableActivityLogAlert']?.value).toBe(true);
  });
});
