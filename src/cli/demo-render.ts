/**
 * The demo's human output for one scenario: the failure, the diagnosis and its evidence once, then dry-run and auto-fix
 * side by side (each action's status, the heal, ARM writes, messages), what a person must still do in auto-fix, and
 * the approve loop in two lines (awaiting approval → approved → what was written, the heal).
 * Within 120 columns with short names; `verbose` adds the full ids and commands.
 */
import type { Action, Outcome, RemediatorMode } from '../model';
import { buildAliases, describeAction, wordsForPeople } from '../notify';
import { type CliIo, painter, writeLine } from './io';
import { describeHeal, evidenceLines, paragraph, shortEventId, STATUS_MARK, stepLines } from './render';
import { MAX_COLUMNS, visibleLength } from './text';

export interface DemoRun {
  mode: RemediatorMode;
  outcomes: Outcome[];
  writes: number;
  /** Teams and Slack messages posted in this run. */
  messages: { teams: number; slack: number };
  /** Approve mode: how many fixes awaited approval, ARM writes before anyone approved, who approved. */
  approval?: { awaiting: number; writesBefore: number; approver: string };
}

const LABEL = 44;
const CELL = 34;

function fit(s: string, width: number): string {
  const chars = Array.from(s);
  return chars.length <= width ? s + ' '.repeat(width - chars.length) : `${chars.slice(0, width - 1).join('')}…`;
}

/** One row of the comparison: a label, then the dry-run cell and the auto-fix cell. */
function row(label: string, cells: readonly string[]): string {
  return `   ${fit(label, LABEL)}  ${cells.map((c) => fit(c, CELL)).join('  ')}`.trimEnd();
}

export function renderScenarioText(
  scenario: { name: string; title: string; world: string; event: string },
  allRuns: readonly DemoRun[],
  io: CliIo,
  verbose?: boolean,
): void {
  const runs = allRuns.filter((r) => r.mode !== 'approve');
  const approveRun = allRuns.find((r) => r.mode === 'approve');
  const p = painter(io.stdout, io.env);
  const out = (lines: string[]): void => lines.forEach((l) => writeLine(io.stdout, l));
  writeLine(io.stdout);
  out(paragraph(`${scenario.name}: ${scenario.title}`, p.bold('━━ '), '   ', verbose));
  if (verbose) writeLine(io.stdout, p.dim(`   world ${scenario.world} · event ${scenario.event}`));
  const count = Math.max(...runs.map((r) => r.outcomes.length));
  for (let i = 0; i < count; i++) {
    const first = runs.map((r) => r.outcomes[i]).find((o): o is Outcome => o !== undefined);
    if (!first) continue;
    const d = first.diagnosis;
    const aliases = buildAliases(first);
    const head = `${first.status}${d ? ` ${p.cyan(d.kind)}` : ''} · event ${verbose ? first.eventId : shortEventId(first.eventId)}`;
    writeLine(io.stdout, `   ${head}`);
    const about = d?.summary ?? first.error ?? first.reason;
    if (about) out(paragraph(verbose ? about : wordsForPeople(about, aliases), '   ', '   ', verbose));
    // The evidence once: it is the same in both modes (the diagnosis reads, it does not write).
    out(evidenceLines(first, '     ', verbose));

    const modes = runs.map((r) => r.mode);
    writeLine(io.stdout, p.dim(row('', modes)));
    const actionRows = Math.max(...runs.map((r) => r.outcomes[i]?.actions?.length ?? 0));
    for (let a = 0; a < actionRows; a++) {
      const sample = runs.map((r) => r.outcomes[i]?.actions?.[a]).find((x) => x !== undefined);
      if (!sample) continue;
      // The change in the imperative, whatever became of it (the cells say that).
      const label = describeAction({ ...sample, status: 'planned', reason: '' } as Action, aliases);
      const cells = runs.map((r) => {
        const act = r.outcomes[i]?.actions?.[a];
        if (!act) return '–';
        const why = act.status === 'blocked' || act.status === 'failed' ? `: ${act.reason ?? ''}` : '';
        return `${STATUS_MARK[act.status]} ${act.status}${why}`;
      });
      writeLine(io.stdout, row(label, cells));
    }
    if (runs.some((r) => r.outcomes[i]?.heal))
      writeLine(
        io.stdout,
        row(
          'heal',
          runs.map((r) => {
            const h = r.outcomes[i]?.heal;
            return h ? `${h.status === 'healed' ? '✔ ' : ''}${describeHeal(h, true, 'simulated')}` : '–';
          }),
        ),
      );
    if (i === count - 1) {
      writeLine(
        io.stdout,
        row(
          'ARM writes',
          runs.map((r) => String(r.writes)),
        ),
      );
      writeLine(
        io.stdout,
        row(
          'messages posted (Teams + Slack)',
          runs.map((r) => `${r.messages.teams} + ${r.messages.slack}`),
        ),
      );
    }
    // What a person must still do after the last mode (auto-fix): only what was not done.
    const last = runs[runs.length - 1]?.outcomes[i];
    if (last) out(stepLines(last, '   ', verbose));
  }
  if (approveRun) out(approveLines(approveRun));
}

/** The approve loop in two lines: what awaited approval and who approved, then what ARM got and the heal. */
export function approveLines(run: DemoRun): string[] {
  const a = run.approval;
  if (!a || a.awaiting === 0)
    return [`   approve mode: nothing to approve (no automatic fix); ${run.writes} ARM writes`];
  const actions = run.outcomes.flatMap((o) => o.actions ?? []).filter((x) => x.status !== 'manual');
  const applied = actions.filter((x) => x.status === 'applied').length;
  const others = actions.filter((x) => x.status !== 'applied').map((x) => `${STATUS_MARK[x.status]} ${x.status}`);
  const heal = run.outcomes.find((o) => o.heal)?.heal;
  const fixes = (n: number): string => `${n} fix${n === 1 ? '' : 'es'}`;
  return [
    `   approve mode: ${STATUS_MARK['awaiting-approval']} ${fixes(a.awaiting)} awaiting approval, ${a.writesBefore} ARM writes → approved by ${a.approver}`,
    `     → ${STATUS_MARK.applied} ${applied} applied${others.length ? `, ${others.join(', ')}` : ''}; ${run.writes - a.writesBefore} ARM writes; messages ${run.messages.teams} + ${run.messages.slack}${heal ? `; heal ${describeHeal(heal, true, 'simulated')}` : ''}`,
  ];
}

/** How many lines of a text are wider than 120 columns (for the demo's own check and its test). */
export function countWideLines(text: string): number {
  return text.split('\n').filter((l) => visibleLength(l) > MAX_COLUMNS).length;
}
