/** Writes the notification preview page (src/notify/previews.ts builds it) into a folder. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildPreviewPage, PREVIEW_FILE, type PreviewMessage } from '../notify/previews';

function findAdaptiveCardsScript(): string {
  try {
    return require.resolve('adaptivecards/dist/adaptivecards.min.js');
  } catch {
    return resolve(process.cwd(), 'node_modules/adaptivecards/dist/adaptivecards.min.js');
  }
}

/** JSON inside <script type="application/json"> must not close the tag. */
/** Write the preview page into `dir` and return its path. */
export async function writePreviews(messages: ReadonlyArray<PreviewMessage>, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const script = await readFile(findAdaptiveCardsScript(), 'utf8');
  const path = join(dir, PREVIEW_FILE);
  await writeFile(path, buildPreviewPage(messages, script), 'utf8');
  return path;
}
