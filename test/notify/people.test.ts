/** Words for people: ARM ids → names, known GUIDs → names, the diagnoses' az commands → one sentence + the command. */
import {
  azEnableArmTokenAuth,
  azIdentityAssign,
  azNewRevision,
  azRegistrySet,
  azRoleAssign,
} from '../../src/diagnose/rules/az-commands';
import { describeStep, hasArmId, wordsForPeople } from '../../src/notify';

const SUB = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
const REG = `/subscriptions/${SUB}/resourceGroups/shared-rg/providers/Microsoft.ContainerRegistry/registries/acmeacr`;
const UAI = `/subscriptions/${SUB}/resourceGroups/web-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web-pull`;
const PRINCIPAL = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
const aliases = new Map([[PRINCIPAL, 'identity web-pull']]);

describe('wordsForPeople', () => {
  it('drops ids a name already stands for, shortens the rest, names known principals', () => {
    expect(
      wordsForPeople(`Login server acmeacr.azurecr.io belongs to registry acmeacr (${REG}), role assignment mode X.`),
    ).toBe('Login server acmeacr.azurecr.io belongs to registry acmeacr, role assignment mode X.');
    expect(wordsForPeople(`Principal ${PRINCIPAL} holds no role assignment at or above ${REG}.`, aliases)).toBe(
      'Identity web-pull holds no role assignment at or above acmeacr.',
    );
    expect(wordsForPeople(`Identity web-pull (principal ${PRINCIPAL}) has no AcrPull.`)).toBe(
      'Identity web-pull has no AcrPull.',
    );
    expect(wordsForPeople(`Container Apps Contributor at /subscriptions/${SUB}/resourceGroups/staging-rg`)).toBe(
      'Container Apps Contributor at resource group staging-rg',
    );
    expect(wordsForPeople(`in /subscriptions/${SUB}.`)).toBe(`in subscription ${SUB}.`);
    expect(hasArmId(wordsForPeople(`a ${REG} b ${UAI}`))).toBe(false);
    expect(hasArmId(REG)).toBe(true);
    expect(hasArmId(`web-rg ${PRINCIPAL}`)).toBe(false);
  });
});

describe('describeStep reads every command the diagnoses write (src/diagnose/rules/az-commands.ts)', () => {
  it.each([
    [
      azRoleAssign(PRINCIPAL, 'ServicePrincipal', 'AcrPull', REG),
      'Assign AcrPull to identity web-pull on acmeacr',
      'assign-role',
    ],
    [azNewRevision('web', 'web-rg'), 'Start a new revision of web', 'redeploy-revision'],
    [
      azEnableArmTokenAuth('acmeacr'),
      'Enable authentication-as-arm on registry acmeacr, if your policy allows it',
      'enable-arm-token-auth',
    ],
    [azIdentityAssign('web', 'web-rg', UAI), 'Attach identity web-pull to web', undefined],
    [azIdentityAssign('web', 'web-rg'), 'Attach a system-assigned identity to web', undefined],
    [
      `Give the app an identity for the registry: ${azRegistrySet('web', 'web-rg', 'acmeacr.azurecr.io')}`,
      'Give the app an identity for the registry',
      undefined,
    ],
  ])('%s', (step, text, fixType) => {
    const s = describeStep(step, aliases);
    expect(s.text).toBe(text);
    expect(s.fixType).toBe(fixType);
    expect(step).toContain(s.command);
    expect(hasArmId(s.text)).toBe(false);
  });

  it('a step in prose keeps its words, with names for ids', () => {
    expect(
      describeStep(
        `Remove the assignment at /subscriptions/${SUB}/resourceGroups/staging-rg if it was meant for ${REG}.`,
      ),
    ).toEqual({ text: 'Remove the assignment at resource group staging-rg if it was meant for acmeacr' });
  });
});
