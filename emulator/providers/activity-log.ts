/**
 * Microsoft.Insights Activity Log (MonitorClient `activityLogs.list`): `$filter` clauses `field eq|ge|le|gt|lt 'value'`
 * joined by `and`, over the entries of the request's subscription (the world's and those ARM writes appended).
 */
import type { RequestContext, Reply } from '../http/context';
import { obj, str } from '../values';
import type { Arm, Provider } from './provider';

const VALUES_PATH = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.insights\/eventtypes\/management\/values$/i;

export const activityLogProvider: Provider = {
  name: 'Microsoft.Insights/eventtypes',
  stage: 'any-scope',
  route(ctx, arm) {
    const m = VALUES_PATH.exec(ctx.path);
    return m ? listActivityLog(ctx, arm, m[1] ?? '') : undefined;
  },
};

function listActivityLog(ctx: RequestContext, arm: Arm, subscriptionId: string): Reply {
  const filter = ctx.query.get('$filter') ?? '';
  const clauses = [...filter.matchAll(/(\w+)\s+(eq|ge|le|gt|lt)\s+'([^']*)'/gi)].map((m) => ({
    field: m[1] ?? '',
    op: (m[2] ?? '').toLowerCase(),
    value: m[3] ?? '',
  }));
  const fieldValue = (e: Record<string, unknown>, field: string): string | undefined => {
    const key =
      Object.keys(e).find((k) => k.toLowerCase() === field.toLowerCase()) ??
      (field.toLowerCase() === 'resourceuri'
        ? 'resourceId'
        : field.toLowerCase() === 'resourceprovider'
          ? 'resourceProviderName'
          : field);
    const v = e[key];
    return typeof v === 'string' ? v : str(obj(v)['value']);
  };
  const value = arm.state.activityLog.filter((e) => {
    if (!arm.state.isActivityVisible(e)) return false; // not yet ingested (the log lags the operation)
    const sub = str(e['subscriptionId']);
    if (sub && sub.toLowerCase() !== subscriptionId.toLowerCase()) return false;
    return clauses.every(({ field, op, value: want }) => {
      const have = fieldValue(e, field);
      if (field.toLowerCase() === 'eventtimestamp') {
        const t = Date.parse(have ?? '');
        const w = Date.parse(want);
        if (Number.isNaN(t)) return false;
        return op === 'ge' ? t >= w : op === 'le' ? t <= w : op === 'gt' ? t > w : op === 'lt' ? t < w : t === w;
      }
      return have !== undefined && have.toLowerCase() === want.toLowerCase();
    });
  });
  return arm.list(ctx, value);
}
