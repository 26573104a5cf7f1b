/** Size guard for raw HTTP bodies: text → JSON, or a rejected item that says what is wrong. Pure. */
import { describeErrorMessage } from '../errors';
import type { RejectedItem } from './common';

export type BodyResult = { ok: true; value: unknown } | { ok: false; tooLarge: boolean; item: RejectedItem };

export function parseBody(text: string, maxBytes: number): BodyResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    return {
      ok: false,
      tooLarge: true,
      item: { status: 'rejected', error: `payload too large: ${bytes} bytes, the limit is ${maxBytes} bytes` },
    };
  }
  if (text.trim() === '')
    return { ok: false, tooLarge: false, item: { status: 'rejected', error: 'empty body: expected JSON' } };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const detail = describeErrorMessage(err);
    return {
      ok: false,
      tooLarge: false,
      item: { status: 'rejected', error: `malformed or truncated JSON (${bytes} bytes): ${detail}` },
    };
  }
}
