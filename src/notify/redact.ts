/**
 * Webhook URLs embed a signature: they are secrets. Logs carry only the channel and the host; any text that may
 * hold a URL (error messages) goes through `redactText` first.
 */

/** The host of a webhook URL, for logs ("prod-12.westeurope.logic.azure.com"); never the path or query. */
export function describeWebhookHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}

/** Remove secrets from free text: the given secrets, any URL's path and query, and `sig=` values. */
export function redactText(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('[redacted-url]');
  out = out.replace(
    /\b(https?:\/\/)([^\s/"'<>?#]+)[^\s"'<>]*/gi,
    (_m, scheme: string, host: string) => `${scheme}${host}/[redacted]`,
  );
  out = out.replace(/([?&]sig=)[^&\s"']*/gi, '$1[redacted]');
  return out;
}
