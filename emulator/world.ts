/**
 * World files (../shared/CONTRACTS.md §3): loading and validation with errors that say exactly what is wrong.
 */
import { readFileSync } from 'node:fs';
import type { World } from './api';
import { keyOf } from './ids';
import { checkPropagationModel } from './state/propagation';

export class WorldError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
    this.name = 'WorldError';
  }
}

/** Read and validate a world file. Throws WorldError naming the file and every problem found. */
export function loadWorld(path: string): World {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new WorldError(`cannot read world file ${path}: ${(err as Error).message}`, [(err as Error).message]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new WorldError(`world file ${path} is not valid JSON: ${(err as Error).message}`, [(err as Error).message]);
  }
  return validateWorld(value, path);
}

/** Validate a parsed world; returns it typed (not copied) or throws WorldError listing every problem. */
export function validateWorld(value: unknown, source = 'world'): World {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WorldError(`${source}: a world must be a JSON object with a "resources" array`, ['not an object']);
  }
  const w = value as Record<string, unknown>;
  if (w['now'] !== undefined && (typeof w['now'] !== 'string' || Number.isNaN(Date.parse(w['now'])))) {
    problems.push(`"now" must be an ISO-8601 date-time string (got ${JSON.stringify(w['now'])})`);
  }
  if (!Array.isArray(w['resources'])) {
    problems.push('"resources" must be an array');
  } else {
    const seen = new Map<string, number>();
    w['resources'].forEach((r: unknown, i: number) => {
      const at = `resources[${i}]`;
      if (typeof r !== 'object' || r === null || Array.isArray(r)) {
        problems.push(`${at} must be an object`);
        return;
      }
      const res = r as Record<string, unknown>;
      if (typeof res['id'] !== 'string' || !res['id'].startsWith('/'))
        problems.push(`${at}.id must be an ARM resource id starting with "/" (got ${JSON.stringify(res['id'])})`);
      if (typeof res['type'] !== 'string' || !res['type'].includes('/'))
        problems.push(
          `${at}.type must be a resource type like "Microsoft.App/containerApps" (got ${JSON.stringify(res['type'])})`,
        );
      if (res['properties'] !== undefined && (typeof res['properties'] !== 'object' || res['properties'] === null))
        problems.push(`${at}.properties must be an object`);
      if (typeof res['id'] === 'string') {
        const k = keyOf(res['id']);
        const prev = seen.get(k);
        if (prev !== undefined)
          problems.push(`${at}.id duplicates resources[${prev}].id (ids are case-insensitive): ${res['id']}`);
        else seen.set(k, i);
      }
      if (typeof res['type'] === 'string' && res['type'].toLowerCase() === 'microsoft.authorization/roleassignments') {
        const p = (res['properties'] ?? {}) as Record<string, unknown>;
        if (typeof p['roleDefinitionId'] !== 'string')
          problems.push(`${at}.properties.roleDefinitionId is required for a role assignment`);
        if (typeof p['principalId'] !== 'string')
          problems.push(`${at}.properties.principalId is required for a role assignment`);
      }
      if (typeof res['type'] === 'string' && res['type'].toLowerCase() === 'microsoft.containerregistry/registries') {
        const p = (res['properties'] ?? {}) as Record<string, unknown>;
        if (typeof p['loginServer'] !== 'string')
          problems.push(`${at}.properties.loginServer is required for a registry`);
      }
    });
  }
  if (w['images'] !== undefined) {
    if (typeof w['images'] !== 'object' || w['images'] === null || Array.isArray(w['images']))
      problems.push('"images" must be an object: login server → ["repo:tag", …]');
    else
      for (const [server, list] of Object.entries(w['images'] as Record<string, unknown>)) {
        if (!Array.isArray(list)) problems.push(`images["${server}"] must be an array of "repo:tag" strings`);
        else
          list.forEach((t: unknown, i: number) => {
            if (typeof t !== 'string' || !/^[^:@\s]+(:[^:\s]+|@sha256:[0-9a-f]+)$/i.test(t))
              problems.push(`images["${server}"][${i}] must look like "repo:tag" (got ${JSON.stringify(t)})`);
          });
      }
  }
  if (w['activityLog'] !== undefined) {
    if (!Array.isArray(w['activityLog'])) problems.push('"activityLog" must be an array');
    else
      w['activityLog'].forEach((e: unknown, i: number) => {
        if (typeof e !== 'object' || e === null) problems.push(`activityLog[${i}] must be an object`);
        else if (typeof (e as Record<string, unknown>)['eventTimestamp'] !== 'string')
          problems.push(`activityLog[${i}].eventTimestamp is required (ISO date-time)`);
      });
  }
  if (
    w['activityLogDelaySeconds'] !== undefined &&
    (typeof w['activityLogDelaySeconds'] !== 'number' || !(w['activityLogDelaySeconds'] >= 0))
  )
    problems.push(
      `"activityLogDelaySeconds" must be a number of seconds >= 0 (got ${JSON.stringify(w['activityLogDelaySeconds'])})`,
    );
  if (w['lroStyles'] !== undefined) {
    if (typeof w['lroStyles'] !== 'object' || w['lroStyles'] === null)
      problems.push('"lroStyles" must be an object: resource id → "azure-async-operation" | "location"');
    else
      for (const [id, style] of Object.entries(w['lroStyles'] as Record<string, unknown>))
        if (style !== 'azure-async-operation' && style !== 'location')
          problems.push(`lroStyles["${id}"] must be "azure-async-operation" or "location"`);
  }
  if (w['propagation'] !== undefined) problems.push(...checkPropagationModel(w['propagation']));
  if (problems.length > 0) throw new WorldError(`${source}: invalid world:\n  - ${problems.join('\n  - ')}`, problems);
  return value as World;
}
