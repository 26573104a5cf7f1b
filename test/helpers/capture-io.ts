/** A CliIo whose stdout and stderr are captured as strings (commands run in-process through runCli). */
import { Writable } from 'node:stream';
import type { CliIo } from '../../src/cli/io';

export function captureIo(env: Record<string, string> = {}): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        add(chunk.toString());
        cb();
      },
    });
  return {
    io: { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), env, cwd: process.cwd() },
    out: () => out,
    err: () => err,
  };
}
