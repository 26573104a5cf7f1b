/**
 * Human output of outcomes: what failed, the diagnosis and its evidence, the actions and their status, the heal, and
 * what a person must still do. Short names and lines within 120 columns; `verbose` keeps the full ids (ARM ids,
 * principal and event ids) and the commands.
 */
import type { Action, Outcome, RemediatorMode } from '../model';
import {
  buildAliases,
  buildPersonSteps,
  describeAction,
  formatDurationMs,
  nameOfResource,
  wordsForPeople,
} from '../notify';
import { type CliIo, painter, writeLine } from './io';
import { MAX_COLUMNS, wrapText } from './text';

export const STATUS_MARK: Record<Action['status'], string> = {
  applied: '✔',
  planned: '○',
  blocked: '⊘',
  manual: '✋',
  failed: '✖',
  'awaiting-approval': '⏳',
};

export interface RenderOptions {
  mode: RemediatorMode;
  io: CliIo;
  /** Full ids and commands instead of short names (lines may then be wider than 120 columns). */
  verbose?: boolean;
  /** The remediator's clock was the emulator's (the world's time): say so next to durations. */
  simulatedClock?: boolean;
}

/** An event id as people can tell it apart: the alert's last segment, the first 8 characters of a GUID. */
export function shortEventId(id: string): string {
  const last = (id.includes('/') ? (nameOfResource(id.split('|')[0]) ?? id) : id).split('|')[0] ?? id;
  return /^[0-9a-f]{8}-/i.test(last) ? `${last.slice(0, 8)}…` : last;
}

/** Lines of one paragraph: wrapped to 120 columns unless verbose. */
export function paragraph(text: string, first: string, rest: string, verbose: boolean | undefined): string[] {
  return verbose ? [first + text] : wrapText(text, MAX_COLUMNS, first, rest);
}

/** The evidence of an outcome's diagnosis, one bullet each, with names for ids unless verbose. */
export function evidenceLines(o: Outcome, indent: string, verbose?: boolean): string[] {
  const aliases = buildAliases(o);
  return (o.diagnosis?.evidence ?? []).flatMap((e) =>
    paragraph(verbose ? e : wordsForPeople(e, aliases), `${indent}• `, `${indent}  `, verbose),
  );
}

/** What a person must still do (only what was not done), with the commands when verbose. */
export function stepLines(o: Outcome, indent: string, verbose?: boolean): string[] {
  return buildPersonSteps(o).flatMap((s) => [
    ...paragraph(s.text, `${indent}by hand: `, `${indent}         `, verbose),
    ...(verbose && s.command ? [`${indent}         $ ${s.command}`] : []),
  ]);
}

/** "healed after 12m 8s (simulated clock; 3 redeploy attempts)": `clockNote` names the clock ("simulated" in the demo). */
export function describeHeal(
  h: NonNullable<Outcome['heal']>,
  simulatedClock?: boolean,
  clockNote = 'simulated clock',
): string {
  const notes = [
    ...(h.healedAfterMs !== undefined && simulatedClock ? [clockNote] : []),
    ...(h.attempts === undefined ? [] : [`${h.attempts} redeploy attempt${h.attempts === 1 ? '' : 's'}`]),
  ];
  const after = h.healedAfterMs !== undefined ? ` after ${formatDurationMs(h.healedAfterMs)}` : '';
  return `${h.status}${after}${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

export function renderOutcomesText(outcomes: readonly Outcome[], ctx: RenderOptions): void {
  const { io, verbose } = ctx;
  const p = painter(io.stdout, io.env);
  const out = (lines: string[]): void => lines.forEach((l) => writeLine(io.stdout, l));
  for (const o of outcomes) {
    const aliases = buildAliases(o);
    const say = (t: string): string => (verbose ? t : wordsForPeople(t, aliases));
    const d = o.diagnosis;
    writeLine(
      io.stdout,
      `${p.bold(o.status.toUpperCase())}${d ? ` ${p.cyan(d.kind)}` : ''} · event ${verbose ? o.eventId : shortEventId(o.eventId)}`,
    );
    if (o.status === 'rejected') out(paragraph(say(o.error ?? ''), `  ${p.red('error:')} `, '    ', verbose));
    if ((o.status === 'ignored' || o.status === 'duplicate') && o.reason)
      out(paragraph(say(o.reason), '  ', '  ', verbose));
    if (d) {
      out(paragraph(say(d.summary), '  ', '  ', verbose));
      if (verbose) writeLine(io.stdout, `  ${p.dim('resource:')} ${d.resourceId}`);
      out(evidenceLines(o, '    ', verbose));
    }
    // Manual actions are said once, as the steps a person must do (below), unless verbose.
    for (const a of (o.actions ?? []).filter((x) => verbose || x.status !== 'manual')) {
      const colour =
        a.status === 'applied' ? p.green : a.status === 'failed' || a.status === 'blocked' ? p.red : p.yellow;
      const mark = colour(`${STATUS_MARK[a.status]} ${a.status}`);
      out(paragraph(describeAction(a, aliases), `  ${mark} `, '    ', verbose));
      if (verbose)
        writeLine(
          io.stdout,
          p.dim(
            `      ${[a.type, a.roleDefinitionId, a.principalId, a.scope ?? a.resourceId, a.reason].filter(Boolean).join(' · ')}`,
          ),
        );
    }
    if (o.heal) {
      const h = o.heal;
      const colour = h.status === 'healed' ? p.green : h.status === 'still-failing' ? p.red : p.yellow;
      out(
        paragraph(
          `${describeHeal(h, ctx.simulatedClock)}${h.revisionName ? ` · revision ${h.revisionName}` : ''}${h.detail && h.status !== 'healed' ? ` — ${say(h.detail)}` : ''}`,
          `  ${colour('heal:')} `,
          '    ',
          verbose,
        ),
      );
    }
    out(stepLines(o, '  ', verbose));
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
