/** Shared wiring of the approval tests: the harness in approve mode (emulator over HTTPS, Azurite, the approval server). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { World } from '../../emulator/api';
import { encodeClientPrincipal } from '../../src/approve/principal';
import { startHarness, type Harness } from '../../src/local/harness';
import type { DiagnosedOutcome, Outcome } from '../../src/model';

const WORLDS = resolve(__dirname, '../worlds');
export const readWorld = (name: string): World =>
  JSON.parse(readFileSync(resolve(WORLDS, `${name}.json`), 'utf8')) as World;
export const readEventPayload = (name: string): unknown =>
  JSON.parse(readFileSync(resolve(WORLDS, `${name}.event.json`), 'utf8')) as unknown;

/** An approver by group membership, and someone who is not an approver. */
export const APPROVER_GROUP = '6f0a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b';
export const ADA = { objectId: 'ada00000-0000-4000-8000-00000000ada0', name: 'Ada Lovelace', groups: [APPROVER_GROUP] };
export const MALLORY = { objectId: '3a110000-0000-4000-8000-0000000ba110', name: 'Mallory', groups: [] };

export async function startApproveHarness(
  env: Record<string, string> = {},
  world = readWorld('missing-role'),
): Promise<Harness> {
  const h = await startHarness({
    world,
    mode: 'approve',
    env: { REMEDIATOR_APPROVERS: APPROVER_GROUP, ...env },
    retry: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  });
  signInAs(h, ADA);
  return h;
}

export function signInAs(h: Harness, p: { objectId: string; name: string; groups: string[] } | undefined): void {
  if (!h.approval) throw new Error('not in approve mode');
  h.approval.principalHeader = p ? encodeClientPrincipal(p) : undefined;
}

export function pendingOf(
  outcomes: Outcome[],
): DiagnosedOutcome & { approval: NonNullable<DiagnosedOutcome['approval']> } {
  const o = outcomes[0];
  if (o?.status !== 'diagnosed' || !o.approval) throw new Error(`no pending approval: ${JSON.stringify(o)}`);
  return o as DiagnosedOutcome & { approval: NonNullable<DiagnosedOutcome['approval']> };
}

export const tokenOf = (url: string): string => new URL(url).searchParams.get('t') ?? '';

/** Press a button of the page: POST the form's token. */
export async function post(h: Harness, token: string): Promise<{ status: number; html: string }> {
  const res = await fetch((h.approval as NonNullable<Harness['approval']>).url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ t: token }).toString(),
  });
  return { status: res.status, html: await res.text() };
}

export async function get(url: string): Promise<{ status: number; html: string }> {
  const res = await fetch(url);
  return { status: res.status, html: await res.text() };
}

/** Everything but reads that reached the emulator (a Resource Graph query is a read sent by POST). */
export const armWrites = (h: Harness): Array<{ method: string; path: string }> =>
  h.emulator.requestLog
    .filter((r) => r.method !== 'GET' && !/^\/providers\/Microsoft\.ResourceGraph\/resources$/i.test(r.path))
    .map((r) => ({ method: r.method, path: r.path }));

export const roleAssignmentPuts = (h: Harness): number =>
  armWrites(h).filter((w) => w.method === 'PUT' && /roleassignments/i.test(w.path)).length;

/** The tokens of the page's forms (first: the button shown first). */
export function formTokens(html: string): string[] {
  return [...html.matchAll(/name="t" value="([^"]+)"/g)].map((m) =>
    (m[1] ?? '').replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))),
  );
}
