/** What a command may touch of the outside world: passed in, so tests run commands in-process. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean | undefined };
  stderr: NodeJS.WritableStream & { isTTY?: boolean | undefined };
  env: Record<string, string | undefined>;
  cwd: string;
}

export const processIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});

/** A usage or input problem: printed on stderr, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function writeLine(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}

/** ANSI colour only where the stream is a TTY and NO_COLOR is not set. */
export function painter(stream: { isTTY?: boolean | undefined }, env: Record<string, string | undefined>) {
  const on = Boolean(stream.isTTY) && env['NO_COLOR'] === undefined && env['FORCE_COLOR'] !== '0';
  const wrap = (code: string) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { bold: wrap('1'), dim: wrap('2'), red: wrap('31'), green: wrap('32'), yellow: wrap('33'), cyan: wrap('36') };
}

/**
 * A log destination for a person at a terminal: each pino JSON line becomes "warning: message (key=value …)" instead
 * of raw JSON (`--verbose` and non-terminal streams keep the JSON lines).
 */
export function humanLogStream(stream: NodeJS.WritableStream): { write(line: string): void } {
  return {
    write(line: string): void {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        stream.write(line);
        return;
      }
      const { level, msg, time: _time, ...rest } = rec;
      const extra = Object.entries(rest)
        .filter(([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ');
      stream.write(
        `${typeof level === 'string' ? level : 'log'}: ${typeof msg === 'string' ? msg : ''}${extra ? ` (${extra})` : ''}\n`,
      );
    },
  };
}

/** Where a command's logs go: JSON lines, unless a person reads them at a terminal (then plain sentences). */
export function logDestination(io: CliIo, verbose: boolean | undefined): { write(line: string): void } {
  return verbose || !io.stderr.isTTY ? io.stderr : humanLogStream(io.stderr);
}
