/**
 * `remediator simulate --world WORLD.json --event EVENT.json [--mode dry-run|auto-fix] [--world-out OUT.json] [--json]`
 * (../shared/CONTRACTS.md §2): the whole pipeline against the ARM emulator and Azurite, started in-process.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadWorld } from '../../emulator/world';
import { ConfigError } from '../config';
import { createLogger } from '../logging';
import type { Outcome, RemediatorMode } from '../model';
import { startHarness } from '../local/harness';
import { readJsonFile } from './files';
import { type CliIo, UsageError, writeLine } from './io';
import { renderOutcomesText } from './render';

export const SIMULATE_USAGE =
  'usage: remediator simulate --world WORLD.json --event EVENT.json [--mode dry-run|auto-fix|approve [--approve-all]] [--world-out OUT.json] [--json]';

export async function runSimulate(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      world: { type: 'string' },
      event: { type: 'string' },
      mode: { type: 'string' },
      'world-out': { type: 'string' },
      json: { type: 'boolean', default: false },
      'approve-all': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.world) throw new UsageError(`--world is required\n${SIMULATE_USAGE}`);
  if (!values.event) throw new UsageError(`--event is required\n${SIMULATE_USAGE}`);
  const mode = values.mode === undefined ? undefined : parseMode(values.mode);
  if (values['approve-all'] && mode !== 'approve')
    throw new UsageError(`--approve-all needs --mode approve\n${SIMULATE_USAGE}`);

  let world;
  try {
    world = loadWorld(resolve(io.cwd, values.world));
  } catch (err) {
    throw new UsageError(`world file ${values.world} cannot be used: ${(err as Error).message}`);
  }
  const payload = readJsonFile(values.event, 'event', io.cwd);

  const log = createLogger({ level: values.verbose ? 'debug' : 'silent', destination: io.stderr });
  let harness;
  try {
    harness = await startHarness({ world, ...(mode ? { mode } : {}), env: io.env, log });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  let outcomes: Outcome[];
  try {
    outcomes = await harness.settle(await harness.deliverWithRetries(payload));
    // --approve-all: a person opens each message's Approve link and presses Approve (the same approval path).
    if (values['approve-all']) outcomes = await harness.settle(await harness.approveAll(outcomes));
    if (values['world-out']) {
      writeFileSync(resolve(io.cwd, values['world-out']), `${JSON.stringify(harness.emulator.snapshot(), null, 1)}\n`);
    }
  } finally {
    await harness.stop();
  }

  if (values.json) io.stdout.write(`${JSON.stringify({ outcomes })}\n`);
  else
    renderOutcomesText(outcomes, {
      mode: harness.config.mode,
      io,
      simulatedClock: true,
      ...(values.verbose ? { verbose: true } : {}),
    });
  if (values['world-out'] && !values.json) writeLine(io.stderr, `world written to ${values['world-out']}`);
  return 0;
}

export function parseMode(value: string): RemediatorMode {
  if (value === 'dry-run' || value === 'auto-fix' || value === 'approve') return value;
  throw new UsageError(`--mode must be dry-run, auto-fix or approve (got ${JSON.stringify(value)})`);
}
