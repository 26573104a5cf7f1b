/**
 * `remediator explain [NAME…] [--json]`: what a diagnosis kind means, what to check and what the remediator does; what a
 * fix type writes and whether it is allowed by default. Offline, from the catalogs (src/kinds.ts, src/explain.ts).
 */
import { parseArgs } from 'node:util';
import { explainFixType, explainKind } from '../explain';
import { KINDS } from '../kinds';
import { ACTION_TYPES, DIAGNOSIS_KINDS, type ActionType, type DiagnosisKind } from '../model';
import { type CliIo, UsageError, writeLine } from './io';

const isKind = (n: string): n is DiagnosisKind => (DIAGNOSIS_KINDS as readonly string[]).includes(n);
const isFixType = (n: string): n is ActionType => (ACTION_TYPES as readonly string[]).includes(n);

export function runExplain(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' } },
    allowPositionals: true,
  });
  const names = positionals.length ? positionals : [...DIAGNOSIS_KINDS, ...ACTION_TYPES];
  const unknown = names.filter((n) => !isKind(n) && !isFixType(n));
  if (unknown.length)
    throw new UsageError(
      `unknown kind or fix type: ${unknown.join(', ')} (kinds: ${DIAGNOSIS_KINDS.join(', ')}; fix types: ${ACTION_TYPES.join(', ')})`,
    );
  const entries = names.map((name) =>
    isKind(name)
      ? { name, what: 'kind' as const, label: KINDS[name].label, manual: KINDS[name].manual, ...explainKind(name) }
      : { name, what: 'fix type' as const, ...explainFixType(name as ActionType) },
  );
  if (values.json) {
    writeLine(io.stdout, JSON.stringify({ explained: entries }, null, 2));
    return Promise.resolve(0);
  }
  for (const e of entries) {
    if (e.what === 'kind') {
      writeLine(io.stdout, `${e.name} — ${e.label}${e.manual ? ' (manual)' : ''}`);
      writeLine(io.stdout, `  means:  ${e.meaning}`);
      for (const c of e.checks) writeLine(io.stdout, `  check:  ${c}`);
      writeLine(io.stdout, `  does:   ${e.remediation}`);
    } else {
      writeLine(io.stdout, `${e.name} — fix type, ${e.allowedByDefault ? 'allowed' : 'NOT allowed'} by default`);
      writeLine(io.stdout, `  writes: ${e.writes}`);
      writeLine(io.stdout, `  when:   ${e.when}`);
      writeLine(io.stdout, `  why:    ${e.why} (REMEDIATOR_ALLOWED_FIX_TYPES)`);
    }
    writeLine(io.stdout);
  }
  return Promise.resolve(0);
}
