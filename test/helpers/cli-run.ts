/** Run the `remediator` CLI in-process with captured output (NO_COLOR, the repository root as the working directory). */
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/main';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export async function runCliCaptured(
  argv: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => (stdout += c.toString()));
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  const io: CliIo = { stdout: out, stderr: err, env: { NO_COLOR: '1', ...env }, cwd: REPO_ROOT };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
