/**
 * `remediator <command>`: simulate | diagnose | explain | replay | emulator | audit | demo | doctor.
 * Exit codes: 0 the command worked (whatever it diagnosed); 1 it failed at run time; 2 unusable input or usage.
 */
import type * as ArmTarget from './arm-target';
import type * as AuditCommand from './audit';
import type * as DemoCommand from './demo';
import type * as DiagnoseCommand from './diagnose';
import type * as DoctorCommand from './doctor';
import type * as ExplainCommand from './explain';
import type * as EmulatorCommand from '../../emulator/cli';
import type * as Errors from '../errors';
import { asksForHelp, formatHelp, HELP } from './help';
import { type CliIo, processIo, UsageError, writeLine } from './io';
import type * as ReplayCommand from './replay';
import type * as SimulateCommand from './simulate';

export const USAGE = `remediator — self-healing Azure deployments

usage: remediator <command> [options]

commands:
  demo        bundled scenarios through the whole pipeline (dry-run, then auto-fix) against the local ARM emulator
  simulate    one event through the pipeline against the ARM emulator seeded from a world file
  diagnose    what an error means and what to check (offline), or the full diagnosis with --live
  explain     what a diagnosis kind means and what a fix type writes (offline)
  replay      events from a file through the pipeline against real Azure (dry-run unless --mode auto-fix)
  emulator    serve a world over HTTPS as a small ARM until stopped
  audit       read the audit records
  doctor      read-only preflight of a deployment: identity, RBAC, Event Grid, storage, webhooks, mode

Run 'remediator <command> --help' for a command's usage, options and an example.`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

// Commands load lazily (require, not import(): this package compiles to CommonJS) so `diagnose --message` does not
// pay for the emulator, Azurite and the SDK clients.
/* eslint-disable @typescript-eslint/no-require-imports */
export const COMMANDS: Record<string, () => Command> = {
  simulate: () => (require('./simulate') as typeof SimulateCommand).runSimulate,
  diagnose: () => (require('./diagnose') as typeof DiagnoseCommand).runDiagnose,
  explain: () => (require('./explain') as typeof ExplainCommand).runExplain,
  replay: () => (require('./replay') as typeof ReplayCommand).runReplay,
  demo: () => (require('./demo') as typeof DemoCommand).runDemo,
  audit: () => (require('./audit') as typeof AuditCommand).runAuditCommand,
  doctor: () => (require('./doctor') as typeof DoctorCommand).runDoctor,
  emulator: () => {
    const { runEmulatorCommand } = require('../../emulator/cli') as typeof EmulatorCommand;
    return (argv: string[]) => runEmulatorCommand(argv);
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */

export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' && rest[0] !== undefined && COMMANDS[rest[0]]) return runCli([rest[0], '--help'], io);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeLine(name === undefined ? io.stderr : io.stdout, USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (load && asksForHelp(rest)) {
    const help = HELP[name];
    writeLine(io.stdout, help ? formatHelp(name, help) : USAGE);
    return 0;
  }
  if (!load) {
    writeLine(io.stderr, `remediator: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  try {
    const command = load();
    return await command(rest, io);
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      writeLine(io.stderr, `remediator ${name}: ${(err as Error).message}`);
      return 2;
    }
    // Loaded on the failure path only (see COMMANDS).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { describeLoginProblem } = require('./arm-target') as typeof ArmTarget;
    const login = describeLoginProblem(err);
    if (login) {
      writeLine(io.stderr, `remediator ${name}: ${login}`);
      return 1;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { describeErrorMessage } = require('../errors') as typeof Errors;
    writeLine(io.stderr, `remediator ${name}: failed: ${describeErrorMessage(err)}`);
    return 1;
  }
}

function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

export async function main(): Promise<void> {
  const code = await runCli(process.argv.slice(2));
  process.exitCode = code;
}
