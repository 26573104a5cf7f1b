import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from './io';

/** Read and parse a JSON file, or throw a UsageError that says exactly what is wrong with it. */
export function readJsonFile(path: string, what: string, cwd: string): unknown {
  const full = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${what} file ${path}: ${code === 'ENOENT' ? 'no such file' : String(code ?? err)}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${what} file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}
