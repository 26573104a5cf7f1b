/** `enable-arm-token-auth`: the registry's authentication-as-arm policy (only where the operator allowed this fix). */
import { guardAndWrite } from '../write';
import type { FixType } from './fix-type';

export const ENABLE_ARM_TOKEN_AUTH: FixType<'enable-arm-token-auth'> = {
  async execute(action, { ctx, deps }) {
    const registryId = action.resourceId;
    const out = await guardAndWrite(action, ctx, deps, async () => {
      const current = await deps.arm.getRegistry(registryId);
      if (current?.armTokenAuth?.toLowerCase() === 'enabled')
        return { reason: 'authentication-as-arm was already enabled: nothing to write' };
      const r = await deps.arm.enableArmTokenAuth(registryId);
      return { reason: `enabled authentication-as-arm on registry ${r.name} (now ${r.armTokenAuth ?? 'unknown'})` };
    });
    return { action: out.action };
  },
};
