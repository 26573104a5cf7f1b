import type { AccessToken, TokenCredential } from '@azure/identity';

/**
 * A credential for the local ARM emulator only: it hands out a fixed, meaningless bearer token (the emulator checks
 * that one is present, as ARM does, but cannot verify it). Never used against Azure.
 */
export function staticTokenCredential(token = 'emulator-token'): TokenCredential {
  return {
    getToken: async (): Promise<AccessToken> => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }),
  };
}
