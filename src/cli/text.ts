/** Terminal text (pure): lines that fit a width, with a hanging indent. */

/** The width human output keeps to. */
export const MAX_COLUMNS = 120;

/** Printed width, without ANSI colour codes. */
export function visibleLength(s: string): number {
  return Array.from(s.replace(/\u001b\[[0-9;]*m/g, '')).length;
}

/**
 * Wrap `text` (one paragraph) to `width` columns: the first line starts with `first`, the next ones with `rest`
 * (default: as many spaces as `first` is wide). A word longer than a line is cut across lines.
 */
export function wrapText(
  text: string,
  width = MAX_COLUMNS,
  first = '',
  rest = ' '.repeat(visibleLength(first)),
): string[] {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const room = (): number => width - visibleLength(line) - (empty ? 0 : 1);
  for (let w of words) {
    while (visibleLength(w) > room() && !empty) {
      lines.push(line);
      line = rest;
      empty = true;
    }
    while (visibleLength(w) > room()) {
      const cut = Math.max(1, room());
      lines.push(line + w.slice(0, cut));
      w = w.slice(cut);
      line = rest;
    }
    line += (empty ? '' : ' ') + w;
    empty = false;
  }
  lines.push(line);
  return lines;
}
