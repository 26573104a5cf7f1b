/** Shared bits of the resilience suite: the seed story (world + event) and request-log helpers. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestLogEntry, World } from '../../emulator/api';
import { loadWorld } from '../../emulator/world';

export const WORLDS = join(__dirname, '..', 'worlds');

export function seedWorld(): World {
  return loadWorld(join(WORLDS, 'seed-story.json'));
}

export function seedEvent(id?: string): Record<string, unknown> {
  const e = JSON.parse(readFileSync(join(WORLDS, 'seed-story.event.json'), 'utf8')) as Record<string, unknown>;
  return id === undefined ? e : { ...e, id };
}

const GUIDISH = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** A route pattern for a request path: GUID segments (operation ids, assignment names) become wildcards. */
export function routeOf(path: string): string {
  return path
    .split('/')
    .map((seg) => (GUIDISH.test(seg) ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
}

/** The distinct ARM calls of a request log, as (method, route) pairs, in first-seen order. */
export function distinctCalls(log: readonly RequestLogEntry[]): Array<{ method: string; route: string }> {
  const seen = new Map<string, { method: string; route: string }>();
  for (const r of log) {
    const route = `^${routeOf(r.path)}$`;
    const key = `${r.method} ${route}`;
    if (!seen.has(key)) seen.set(key, { method: r.method, route });
  }
  return [...seen.values()];
}

export const isRoleAssignmentPut = (r: RequestLogEntry): boolean =>
  r.method === 'PUT' && /\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/i.test(r.path);
export const isAppWrite = (r: RequestLogEntry): boolean =>
  (r.method === 'PATCH' || r.method === 'PUT') && /\/Microsoft\.App\/containerApps\/[^/]+$/i.test(r.path);
export const succeeded = (r: RequestLogEntry): boolean => r.status >= 200 && r.status < 300;
