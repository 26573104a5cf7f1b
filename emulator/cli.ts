/**
 * `remediator emulator --world WORLD.json [--port N] [--propagation-delay-ms N] [--ca-path FILE] [--enforce-rbac]`: serve a world over
 * HTTPS until SIGINT/SIGTERM. Prints one JSON line `{"endpoint","caPath","port"}` on stdout once listening.
 */
import { parseArgs } from 'node:util';
import { startEmulator } from './server';
import { loadWorld, WorldError } from './world';

export interface EmulatorCommandIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** Resolves when the command should stop (default: SIGINT or SIGTERM). */
  untilStopped?: Promise<void>;
}

export async function runEmulatorCommand(argv: string[], io: EmulatorCommandIo = defaultIo()): Promise<number> {
  let values: {
    world?: string;
    port?: string;
    'propagation-delay-ms'?: string;
    'ca-path'?: string;
    'enforce-rbac'?: boolean;
    'latency-ms'?: string;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        world: { type: 'string' },
        port: { type: 'string' },
        'propagation-delay-ms': { type: 'string' },
        'ca-path': { type: 'string' },
        'enforce-rbac': { type: 'boolean' },
        'latency-ms': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr(
      `remediator emulator: ${(err as Error).message}\nusage: remediator emulator --world WORLD.json [--port N]`,
    );
    return 2;
  }
  if (!values.world) {
    io.stderr(
      'remediator emulator: --world WORLD.json is required\nusage: remediator emulator --world WORLD.json [--port N]',
    );
    return 2;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`remediator emulator: --port must be an integer between 0 and 65535 (got ${values.port})`);
    return 2;
  }
  const delay = values['propagation-delay-ms'] === undefined ? undefined : Number(values['propagation-delay-ms']);
  if (delay !== undefined && (!Number.isFinite(delay) || delay < 0)) {
    io.stderr(`remediator emulator: --propagation-delay-ms must be a non-negative number`);
    return 2;
  }
  const latency = values['latency-ms'] === undefined ? undefined : Number(values['latency-ms']);
  if (latency !== undefined && (!Number.isFinite(latency) || latency < 0)) {
    io.stderr(`remediator emulator: --latency-ms must be a non-negative number`);
    return 2;
  }
  let world;
  try {
    world = loadWorld(values.world);
  } catch (err) {
    io.stderr(`remediator emulator: ${err instanceof WorldError ? err.message : String(err)}`);
    return 2;
  }
  const emulator = await startEmulator({
    world,
    port,
    ...(delay !== undefined ? { propagationDelayMs: delay } : {}),
    ...(values['ca-path'] ? { caPath: values['ca-path'] } : {}),
    ...(values['enforce-rbac'] ? { enforceRbac: true } : {}),
    ...(latency !== undefined ? { latencyMs: latency } : {}),
  });
  io.stdout(JSON.stringify({ endpoint: emulator.endpoint, caPath: emulator.caPath, port: emulator.port }));
  await (io.untilStopped ?? waitForSignal());
  await emulator.stop();
  return 0;
}

function defaultIo(): EmulatorCommandIo {
  return { stdout: (l) => process.stdout.write(`${l}\n`), stderr: (l) => process.stderr.write(`${l}\n`) };
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
