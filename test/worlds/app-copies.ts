/**
 * One tenant where the same failure happens to several apps, one after another: `copies` copies of the missing-role
 * world's app (its revisions and its own user-assigned identity, principal and client ids made unique), all pulling
 * from the one registry, and the Event Grid failure event of each. Each heal needs its own grant. Deterministic; used
 * by the heal benchmark (a remediator learning over successive heals in one tenant).
 */
import type { World } from '../../emulator/api';

const APP = /containerApps\/web\b/g;
const PRINCIPAL = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
const CLIENT = '0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d';

const hex2 = (i: number): string => i.toString(16).padStart(2, '0');

/** The app's text renamed to copy `i` (app, revisions, identity, principal and client id). */
function renameApp(text: string, i: number): string {
  return text
    .replace(APP, `containerApps/web${i}`)
    .replace(/"name": ?"web"/g, `"name":"web${i}"`)
    .replace(/web--v/g, `web${i}--v`)
    .replace(/web-pull/g, `web${i}-pull`)
    .replace(new RegExp(PRINCIPAL, 'gi'), `${PRINCIPAL.slice(0, -2)}${hex2(i)}`)
    .replace(new RegExp(CLIENT, 'gi'), `${CLIENT.slice(0, -2)}${hex2(i)}`);
}

const isAppResource = (id: string): boolean => /containerApps\/web\b|userAssignedIdentities\/web-pull/i.test(id);

export function buildAppCopiesWorld(base: World, copies: number): World {
  const shared = base.resources.filter((r) => !isAppResource(r.id));
  const app = base.resources.filter((r) => isAppResource(r.id));
  const resources = [...shared];
  for (let i = 1; i <= copies; i++)
    resources.push(...(JSON.parse(renameApp(JSON.stringify(app), i)) as World['resources']));
  return { ...base, resources };
}

/** The failure event of copy `i`, at `time`, with its own id and correlation id. */
export function buildAppCopyEvent(baseEvent: Record<string, unknown>, i: number, time: Date): Record<string, unknown> {
  const e = JSON.parse(renameApp(JSON.stringify(baseEvent), i)) as Record<string, unknown> & {
    data: Record<string, unknown>;
  };
  e['id'] = `${String(e['id']).slice(0, -2)}${hex2(i)}`;
  e['eventTime'] = time.toISOString();
  e.data['correlationId'] = `c0ffee00-1234-4abc-8def-0000000000${hex2(i)}`;
  return e;
}
