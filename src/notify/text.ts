/** Text helpers shared by the renderers (pure). */

export const ELLIPSIS = '…';

/** Cut `text` to at most `max` characters (code points kept whole), ending with "…" when cut. */
export function truncateText(text: string, max: number): string {
  if (max <= 0) return '';
  if (text.length <= max) return text;
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return (
    chars
      .slice(0, Math.max(0, max - 1))
      .join('')
      .trimEnd() + ELLIPSIS
  );
}

/** Keep at most `maxItems` items; when some are left off, the last line says how many. */
export function limitItems(items: readonly string[], maxItems: number): string[] {
  if (items.length <= maxItems) return [...items];
  const kept = items.slice(0, Math.max(0, maxItems - 1));
  kept.push(`${ELLIPSIS} and ${items.length - kept.length} more`);
  return kept;
}

/** UTF-8 size of a JSON body. */
export function measureJsonBytes(body: unknown): number {
  return Buffer.byteLength(JSON.stringify(body), 'utf8');
}
