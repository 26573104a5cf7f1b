/**
 * `remediator replay --file EVENTS.json [--mode auto-fix] [--json]`: feed events from a file (one delivery, an array,
 * NDJSON, or an Event Grid dead-letter blob: an array of dead-lettered events) through the pipeline against REAL
 * Azure, with the operator's login (DefaultAzureCredential). Each replay is audited as such (stage `replay`, with the
 * dead-letter reason, attempts and last outcome Event Grid recorded). Always dry-run unless `--mode auto-fix` is
 * given on the command line: the REMEDIATOR_MODE setting is deliberately not honoured here.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeAudit } from '../audit';
import { ConfigError, loadConfig } from '../config';
import { parseIncoming } from '../intake';
import { createLogger } from '../logging';
import type { IntakeItem, Outcome } from '../model';
import { processItem, type PipelineDeps } from '../pipeline';
import { buildDeps } from '../compose';
import { resolveArmTarget } from './arm-target';
import { describeDeadLetter, indexDeadLetters, toDeadLetterJson, type DeadLetterInfo } from './dead-letter';
import { type CliIo, logDestination, UsageError, writeLine } from './io';
import { renderOutcomesText } from './render';
import { parseMode } from './simulate';

export async function runReplay(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      file: { type: 'string' },
      mode: { type: 'string' },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.file)
    throw new UsageError('--file is required\nusage: remediator replay --file EVENTS.json [--mode auto-fix] [--json]');
  const mode = values.mode === undefined ? 'dry-run' : parseMode(values.mode);
  const file = resolve(io.cwd, values.file);
  const docs = readDeliveryDocs(file);
  const items = docs.flatMap((d) => parseIncoming(d));
  const deadLetters = new Map(docs.flatMap((d) => [...indexDeadLetters(d)]));

  let config;
  try {
    config = loadConfig({ ...io.env, REMEDIATOR_MODE: mode });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const log = createLogger({
    level: values.verbose ? 'debug' : 'warn',
    destination: logDestination(io, values.verbose),
  });
  const target = resolveArmTarget(config, io.env);
  const clock = { now: () => new Date() };
  const deps: PipelineDeps = await buildDeps({
    config,
    log,
    clock,
    credential: target.credential,
    ...(target.tlsCa ? { arm: { tlsCa: target.tlsCa } } : {}),
  });
  const { notifier } = deps;

  const outcomes: Outcome[] = [];
  const progress = io.stderr.isTTY && !values.json;
  for (const [i, item] of items.entries()) {
    const replayed = await processItem(item, deps);
    outcomes.push(...replayed);
    await auditReplay(item, replayed, { deps, file: basename(file), deadLetters });
    if (progress && (i % 10 === 9 || i === items.length - 1)) io.stderr.write(`\rreplayed ${i + 1}/${items.length}`);
  }
  if (progress) writeLine(io.stderr);
  if (notifier) await notifier.flushDigests();

  if (values.json) io.stdout.write(`${JSON.stringify({ outcomes })}\n`);
  else renderOutcomesText(outcomes, { mode, io, ...(values.verbose ? { verbose: true } : {}) });
  return 0;
}

/**
 * Each replayed item in the audit, as a replay (stage `replay`, its outcome's status): where it came from and, for an
 * Event Grid dead-lettered event, why Event Grid gave up on it (reason, attempts, last outcome, publish time).
 */
async function auditReplay(
  item: IntakeItem,
  outcomes: readonly Outcome[],
  ctx: { deps: PipelineDeps; file: string; deadLetters: ReadonlyMap<string, DeadLetterInfo> },
): Promise<void> {
  const eventId = item.status === 'accepted' ? item.event.id : (item.eventId ?? '(unknown)');
  const deadLetter = ctx.deadLetters.get(eventId);
  const first = outcomes[0];
  const said = first ? describeReplayed(first) : item.status;
  const from = deadLetter ? describeDeadLetter(deadLetter) : 'from a file';
  await writeAudit(ctx.deps, {
    eventId,
    ...(item.status === 'accepted' ? { resourceId: item.event.resourceId } : {}),
    ...(item.status === 'accepted' && item.event.correlationId ? { correlationId: item.event.correlationId } : {}),
    stage: 'replay',
    status: first?.status ?? item.status,
    ...(first?.diagnosis ? { kind: first.diagnosis.kind } : {}),
    detail: {
      reason: `replayed ${from}: ${said}`,
      file: ctx.file,
      ...(deadLetter ? { deadLetter: toDeadLetterJson(deadLetter) } : {}),
    },
  });
}

function describeReplayed(o: Outcome): string {
  const actions = (o.actions ?? []).map((a) => `${a.type}:${a.status}`).join(', ');
  return o.reason ?? (actions ? `${o.status}: ${actions}` : o.status);
}

/** A delivery file: one JSON document (event, array, alert) or NDJSON (one document per line). */
export function readDeliveries(path: string): IntakeItem[] {
  return readDeliveryDocs(path).flatMap((d) => parseIncoming(d));
}

/**
 * The documents of a delivery file: one JSON document (an event, an array — an Event Grid dead-letter blob is an
 * array of dead-lettered events — or an alert), or NDJSON (one document per line).
 */
export function readDeliveryDocs(path: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const trimmed = text.trim();
  if (trimmed === '') throw new UsageError(`${path} is empty`);
  try {
    return [JSON.parse(trimmed) as unknown];
  } catch {
    // Not one JSON document: try NDJSON.
    const docs: unknown[] = [];
    for (const [n, line] of trimmed.split('\n').entries()) {
      if (line.trim() === '') continue;
      let doc: unknown;
      try {
        doc = JSON.parse(line) as unknown;
      } catch (e) {
        throw new UsageError(`${path} is neither JSON nor NDJSON (line ${n + 1}: ${(e as Error).message})`);
      }
      docs.push(doc);
    }
    return docs;
  }
}
