/**
 * The fixture corpus: test/fixtures/events/<door>/<case>.json with a `<case>.expected.json` sidecar.
 *
 * Sidecar fields:
 * - `items`: the IntakeItem[] expected from the door's parser, in order: `status`, `eventId`, and for accepted ones an
 *   `event` object whose fields must match (deep partial); `reasonIncludes` / `errorIncludes` (string or list);
 * - `handshake`: the validation handshake expected instead of items;
 * - `body`: `parseBody` itself rejects the text (`errorIncludes`, `tooLarge`);
 * - `maxBytes`: the size limit to apply (default 1 MiB, the app's default);
 * - `http`: the status the HTTP door answers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Door = 'eventgrid' | 'cloudevents' | 'alert';

export interface ExpectedItem {
  status: 'accepted' | 'ignored' | 'rejected';
  eventId?: string;
  event?: Record<string, unknown>;
  reasonIncludes?: string | string[];
  errorIncludes?: string | string[];
}

export interface Expected {
  items?: ExpectedItem[];
  handshake?: { validationCode: string };
  body?: { errorIncludes: string; tooLarge?: boolean };
  maxBytes?: number;
  http: number;
}

export interface FixtureCase {
  door: Door;
  name: string;
  text: string;
  expected: Expected;
}

export const FIXTURE_DIR = join(__dirname, '..', 'fixtures', 'events');
export const DEFAULT_MAX_BYTES = 1_048_576;

export function loadCorpus(): FixtureCase[] {
  const cases: FixtureCase[] = [];
  for (const door of ['eventgrid', 'cloudevents', 'alert'] as const) {
    const dir = join(FIXTURE_DIR, door);
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.json') || file.endsWith('.expected.json')) continue;
      const name = file.slice(0, -'.json'.length);
      const text = readFileSync(join(dir, file), 'utf8');
      const expected = JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8')) as Expected;
      cases.push({ door, name, text, expected });
    }
  }
  return cases;
}

export const asList = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];
