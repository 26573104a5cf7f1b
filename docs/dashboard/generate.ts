/**
 * Regenerates docs/dashboard.png: the panels of the Azure Monitor workbook (infra/workbook.json) drawn from the
 * telemetry of a simulated run — `remediator demo` (every bundled scenario in dry-run, auto-fix and approve mode,
 * through the real pipeline against the ARM emulator and Azurite) with the OpenTelemetry SDK's in-memory exporters
 * registered — rendered in headless Chromium:
 *   npx tsx docs/dashboard/generate.ts [OUT.png]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { processIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/main';
import { launchChromium } from '../../test/helpers/chromium';
import { startInMemoryTelemetry } from '../../test/telemetry/helpers';
import { collectDashboard, type DashboardData } from './collect';
import { renderDashboard } from './render';

/** The workbook's query panels, in order. */
export function readWorkbookTitles(): string[] {
  const wb = JSON.parse(readFileSync(join(__dirname, '..', '..', 'infra', 'workbook.json'), 'utf8')) as {
    items: { type: number; content: { title?: string } }[];
  };
  return wb.items.filter((i) => i.type === 3).map((i) => i.content.title ?? '');
}

/** Run the demo with in-memory telemetry; what its signals say, per panel. */
export async function runDemoDashboard(only?: string): Promise<DashboardData> {
  const telemetry = startInMemoryTelemetry();
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
  try {
    const io = { ...processIo(), stdout: new PassThrough() }; // the demo's terminal output is not wanted here
    const code = await runCli(['demo', '--out', dir, ...(only ? ['--only', only] : [])], io);
    if (code !== 0) throw new Error(`the demo failed (exit ${code})`);
    return collectDashboard(await telemetry.collect(), telemetry.spans.getFinishedSpans());
  } finally {
    await telemetry.handle.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const target = resolve(process.argv[2] ?? join(__dirname, '..', 'dashboard.png'));
  const data = await runDemoDashboard();
  const events = data.eventsByDoorAndStatus.reduce((a, b) => a + b.value, 0);
  const html = renderDashboard(
    data,
    readWorkbookTitles(),
    `The workbook's panels from a simulated run: \`remediator demo\` (${events} events through the real pipeline, ` +
      'ARM emulator + Azurite), plotted from the OpenTelemetry in-memory metrics and spans. Time charts are shown ' +
      'as totals (the run is minutes of simulated time in seconds).',
  );
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-page-'));
  try {
    const page = join(dir, 'dashboard.html');
    writeFileSync(page, html);
    const browser = await launchChromium({ width: 1260, height: 900 });
    try {
      const tab = await browser.context.newPage();
      await tab.goto(`file://${page}`);
      await tab.screenshot({ path: target, fullPage: true });
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(target);
}

if (require.main === module) {
  void main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
