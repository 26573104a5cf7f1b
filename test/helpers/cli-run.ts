/**
 * Run the `remediator` CLI (or one of its commands) in-process with captured output: `captureOutput` gives the two
 * streams and what was written to them; `runCliCaptured` runs the whole CLI with NO_COLOR in the repository root.
 */
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/main';

export const REPO_ROOT = resolve(__dirname, '..', '..');

/** Two streams for a command's stdout / stderr, and the text written to each so far. */
export function captureOutput(): { stdout: PassThrough; stderr: PassThrough; out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdout, stderr, out: () => out, err: () => err };
}

export async function runCliCaptured(
  argv: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = captureOutput();
  const io: CliIo = { stdout: c.stdout, stderr: c.stderr, env: { NO_COLOR: '1', ...env }, cwd: REPO_ROOT };
  const code = await runCli(argv, io);
  return { code, stdout: c.out(), stderr: c.err() };
}
