/**
 * The deployed Function app as an operator's tool sees it, through the real App Service SDK client
 * (WebSiteManagementClient): its host name (`WebApps_Get`) and a function key (`WebApps_ListHostKeys`, which needs
 * `Microsoft.Web/sites/host/listkeys/action`, e.g. Website Contributor — the role `azd up` already used). The key is
 * returned to the caller only to put in one request header; it is never logged or printed.
 */
import { WebSiteManagementClient } from '@azure/arm-appservice';
import type { TokenCredential } from '@azure/identity';

export interface FunctionAppRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export interface FunctionAppAccess {
  /** `https://{defaultHostName}`. */
  baseUrl: string;
  /** The host's `default` function key (authLevel `function`). */
  functionKey: string;
}

export async function readFunctionAppAccess(
  ref: FunctionAppRef,
  o: { endpoint: string; credential: TokenCredential; tlsCa?: string },
): Promise<FunctionAppAccess> {
  const client = new WebSiteManagementClient(o.credential, ref.subscriptionId, {
    endpoint: o.endpoint,
    ...(o.tlsCa !== undefined ? { tlsOptions: { ca: o.tlsCa } } : {}),
    retryOptions: { maxRetries: 2 },
  });
  const site = await client.webApps.get(ref.resourceGroup, ref.name);
  const host = site.defaultHostName;
  if (!host) throw new Error(`the Function app ${ref.name} has no defaultHostName (is it deployed?)`);
  const keys = await client.webApps.listHostKeys(ref.resourceGroup, ref.name);
  const functionKey = keys.functionKeys?.['default'];
  if (!functionKey) throw new Error(`the Function app ${ref.name} has no 'default' function key`);
  return { baseUrl: `https://${host}`, functionKey };
}
