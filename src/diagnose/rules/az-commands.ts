/**
 * The `az` command lines the diagnoses hand to people (manual steps). Pure text; placeholders in <angle brackets>
 * where a value is not known.
 */

/** Assign a role to a principal at a scope. */
export function azRoleAssign(
  principalId: string | undefined,
  principalType: string | undefined,
  roleName: string,
  scope: string,
): string {
  return `az role assignment create --assignee-object-id ${principalId ?? '<principal-id>'}${principalType ? ` --assignee-principal-type ${principalType}` : ''} --role "${roleName}" --scope "${scope}"`;
}

/** Start a new revision of a container app. */
export function azNewRevision(appName: string, resourceGroup: string | undefined): string {
  return `az containerapp update --name ${appName} --resource-group ${resourceGroup ?? '<rg>'} --revision-suffix <new-suffix>   # start a new revision`;
}

/** Give a container app an identity for a registry. */
export function azRegistrySet(appName: string, resourceGroup: string | undefined, server: string | undefined): string {
  return `az containerapp registry set --name ${appName} --resource-group ${resourceGroup ?? '<rg>'} --server ${server ?? '<login-server>'} --identity <system|identity-resource-id>`;
}

/** Attach the system identity (`identity` undefined) or a user-assigned identity to a container app. */
export function azIdentityAssign(appName: string, resourceGroup: string | undefined, identity?: string): string {
  return identity === undefined
    ? `az containerapp identity assign --name ${appName} --resource-group ${resourceGroup ?? '<rg>'} --system-assigned`
    : `az containerapp identity assign --name ${appName} --resource-group ${resourceGroup ?? '<rg>'} --user-assigned ${identity}`;
}

/** Enable the registry's authentication-as-arm policy. */
export function azEnableArmTokenAuth(registryName: string | undefined): string {
  return `az acr config authentication-as-arm update --registry ${registryName ?? '<registry>'} --status enabled   # only if your policy allows it`;
}

/** Point a container app's registry entry at a username and a (new) password or token. */
export function azRegistrySetCredentials(
  appName: string,
  resourceGroup: string | undefined,
  server: string | undefined,
  username: string | undefined,
): string {
  return `az containerapp registry set --name ${appName} --resource-group ${resourceGroup ?? '<rg>'} --server ${server ?? '<login-server>'} --username ${username ?? '<username>'} --password <new-token>`;
}

/** Copy a public image into an ACR registry (the usual way out of a pull rate limit). */
export function azAcrImport(image: string | undefined): string {
  return `az acr import --name <your-registry> --source ${image ?? '<image>'}   # then point the container at <your-registry>.azurecr.io/…`;
}
