/** Azure portal links (pure). */

/** Azure portal link for an ARM resource id; tenant optional. */
export function buildPortalUrl(resourceId: string, tenant?: string): string {
  const id = resourceId.startsWith('/') ? resourceId : `/${resourceId}`;
  return tenant
    ? `https://portal.azure.com/#@${encodeURIComponent(tenant)}/resource${id}`
    : `https://portal.azure.com/#resource${id}`;
}
