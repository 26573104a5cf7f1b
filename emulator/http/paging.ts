/** List answers: `{value}`, or with `pageSize` pages linked by `nextLink` (…&$skiptoken=N) as ARM does. */
import type { Reply, RequestContext } from './context';

export function listReply(
  ctx: RequestContext,
  value: unknown[],
  pageSize: number | undefined,
  endpoint: string,
): Reply {
  if (!pageSize || value.length <= pageSize) return { status: 200, body: { value } };
  const skip = Math.max(0, Number(ctx.query.get('$skiptoken') ?? 0) || 0);
  const page = value.slice(skip, skip + pageSize);
  if (skip + pageSize >= value.length) return { status: 200, body: { value: page } };
  const next = new URLSearchParams(ctx.query);
  next.set('$skiptoken', String(skip + pageSize));
  return { status: 200, body: { value: page, nextLink: `${endpoint}${ctx.path}?${next.toString()}` } };
}
