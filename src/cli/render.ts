/** Human output of outcomes: what failed, the diagnosis and evidence, the actions and their status, the heal. */
import type { Action, Outcome, RemediatorMode } from '../model';
import { type CliIo, painter, writeLine } from './io';

const STATUS_MARK: Record<Action['status'], string> = {
  applied: '✔',
  planned: '○',
  blocked: '⊘',
  manual: '✋',
  failed: '✖',
};

export function renderOutcomesText(outcomes: readonly Outcome[], ctx: { mode: RemediatorMode; io: CliIo }): void {
  const { io } = ctx;
  const p = painter(io.stdout, io.env);
  for (const o of outcomes) {
    const head = `${p.bold(o.status.toUpperCase())} event ${o.eventId}`;
    writeLine(io.stdout, head);
    if (o.status === 'rejected') writeLine(io.stdout, `  ${p.red('error:')} ${o.error ?? ''}`);
    if ((o.status === 'ignored' || o.status === 'duplicate') && o.reason) writeLine(io.stdout, `  ${p.dim(o.reason)}`);
    const d = o.diagnosis;
    if (d) {
      writeLine(io.stdout, `  ${p.cyan(d.kind)} — ${d.summary}`);
      writeLine(io.stdout, `  ${p.dim('resource:')} ${d.resourceId}`);
      for (const e of d.evidence) writeLine(io.stdout, `    • ${e}`);
      // The steps by hand matter when the remediator did not do the work itself.
      const allApplied = (o.actions ?? []).length > 0 && (o.actions ?? []).every((a) => a.status === 'applied');
      if (!allApplied) for (const s of d.manualSteps ?? []) writeLine(io.stdout, `    ${p.yellow('by hand:')} ${s}`);
    }
    for (const a of o.actions ?? []) {
      const colour =
        a.status === 'applied' ? p.green : a.status === 'failed' || a.status === 'blocked' ? p.red : p.yellow;
      const what = [
        a.type,
        a.roleDefinitionId ? `role ${a.roleDefinitionId.split('/').pop() ?? ''}` : '',
        a.principalId ? `principal ${a.principalId}` : '',
        a.scope ? `at ${a.scope}` : '',
      ]
        .filter(Boolean)
        .join(' ');
      writeLine(
        io.stdout,
        `  ${colour(`${STATUS_MARK[a.status]} ${a.status}`)} ${what}${a.reason ? p.dim(` — ${a.reason}`) : ''}`,
      );
    }
    if (o.heal) {
      const h = o.heal;
      const colour = h.status === 'healed' ? p.green : h.status === 'still-failing' ? p.red : p.yellow;
      const after = h.healedAfterMs !== undefined ? ` after ${formatDuration(h.healedAfterMs)}` : '';
      writeLine(
        io.stdout,
        `  ${colour(`heal: ${h.status}`)}${after}${h.revisionName ? ` (revision ${h.revisionName})` : ''}${h.detail ? p.dim(` — ${h.detail}`) : ''}`,
      );
    }
  }
  const counts = outcomes.reduce<Record<string, number>>(
    (acc, o) => ({ ...acc, [o.status]: (acc[o.status] ?? 0) + 1 }),
    {},
  );
  writeLine(
    io.stdout,
    p.dim(
      `${outcomes.length} event(s) in ${ctx.mode}: ${Object.entries(counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}`,
    ),
  );
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m}m ${s % 60}s` : `${m}m`;
}
