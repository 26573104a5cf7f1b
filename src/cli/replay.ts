/**
 * `remediator replay --file EVENTS.json [--mode auto-fix] [--json]`: feed events from a file (one delivery, an array,
 * NDJSON, or an Event Grid dead-letter blob dump) through the pipeline against REAL Azure, with the operator's
 * login (DefaultAzureCredential). Always dry-run unless `--mode auto-fix` is given on the command line: the
 * REMEDIATOR_MODE setting is deliberately not honoured here.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { parseIncoming } from '../intake';
import { createLogger } from '../logging';
import type { IntakeItem, Outcome } from '../model';
import { processItem, type PipelineDeps } from '../pipeline';
import { buildDeps } from '../compose';
import { resolveArmTarget } from './arm-target';
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
  const items = readDeliveries(resolve(io.cwd, values.file));

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
    outcomes.push(...(await processItem(item, deps)));
    if (progress && (i % 10 === 9 || i === items.length - 1)) io.stderr.write(`\rreplayed ${i + 1}/${items.length}`);
  }
  if (progress) writeLine(io.stderr);
  if (notifier) await notifier.flushDigests();

  if (values.json) io.stdout.write(`${JSON.stringify({ outcomes })}\n`);
  else renderOutcomesText(outcomes, { mode, io, ...(values.verbose ? { verbose: true } : {}) });
  return 0;
}

/** A delivery file: one JSON document (event, array, alert) or NDJSON (one document per line). */
export function readDeliveries(path: string): IntakeItem[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const trimmed = text.trim();
  if (trimmed === '') throw new UsageError(`${path} is empty`);
  try {
    return parseIncoming(JSON.parse(trimmed) as unknown);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // Not one JSON document: try NDJSON.
    const items: IntakeItem[] = [];
    for (const [n, line] of trimmed.split('\n').entries()) {
      if (line.trim() === '') continue;
      let doc: unknown;
      try {
        doc = JSON.parse(line) as unknown;
      } catch (e) {
        throw new UsageError(`${path} is neither JSON nor NDJSON (line ${n + 1}: ${(e as Error).message})`);
      }
      items.push(...parseIncoming(doc));
    }
    return items;
  }
}
