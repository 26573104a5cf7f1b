/**
 * The dashboard page: one panel per panel of infra/workbook.json (same titles, same order), drawn as SVG bars and
 * tables from `DashboardData`. Time charts are drawn as totals: a simulated run spans minutes of simulated time in
 * seconds of wall time, so there is nothing to put on a time axis.
 */
import type { Bar, DashboardData, DurationRow, EventRow } from './collect';

const esc = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

const COLORS = ['#0078d4', '#8764b8', '#00a36c', '#ca5010', '#038387', '#c239b3', '#986f0b', '#4f6bed'];

function bars(items: readonly Bar[], unit = ''): string {
  if (items.length === 0) return '<p class="none">no data in this run</p>';
  const max = Math.max(...items.map((i) => i.value), 1);
  const rowH = 26;
  const labelW = 300;
  const width = 570;
  const rows = items
    .map((b, i) => {
      const w = Math.max(2, ((width - labelW - 60) * b.value) / max);
      const y = i * rowH;
      return `<text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${esc(b.label)}</text>
<rect x="${labelW}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${COLORS[i % COLORS.length]}" rx="2"/>
<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 17}">${b.value.toLocaleString('en-US', { maximumFractionDigits: 1 })}${unit}</text>`;
    })
    .join('\n');
  return `<svg width="${width}" height="${items.length * rowH}" role="img">${rows}</svg>`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '<p class="none">none</p>';
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</table>`;
}

const fmtMs = (ms: number): string =>
  ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;

function durations(rows: readonly DurationRow[]): string {
  return table(
    ['metric', 'by', 'samples', 'mean', 'max'],
    rows.map((r) => [r.metric.replace('remediator.', ''), r.label, String(r.count), fmtMs(r.meanMs), fmtMs(r.maxMs)]),
  );
}

function events(rows: readonly EventRow[]): string {
  return table(
    ['event', 'door', 'mode', 'status', 'kind', 'spans in trace', 'wall time'],
    rows.map((r) => [
      r.eventId.length > 22 ? `${r.eventId.slice(0, 21)}…` : r.eventId,
      r.door,
      r.mode,
      r.status,
      r.kind,
      String(r.spans),
      `${r.durationMs.toFixed(0)} ms`,
    ]),
  );
}

export function renderDashboard(d: DashboardData, titles: readonly string[], caption: string, latest = 12): string {
  const body: Record<string, string> = {
    'Events by door and status': bars(d.eventsByDoorAndStatus),
    'Diagnoses by kind': bars(d.diagnosesByKind),
    'Actions by type and status': bars(d.actionsByTypeAndStatus),
    'Time to diagnose and time to heal (ms)': durations(d.durations),
    'Fix budget used this hour': d.budget
      ? bars([
          { label: 'used (max)', value: d.budget.used },
          { label: 'limit', value: d.budget.limit },
        ])
      : '<p class="none">no fix written</p>',
    'Outbox depth and drops': bars([
      { label: 'depth after the last flush', value: d.outbox.depth ?? 0 },
      { label: 'drops', value: d.outbox.drops },
    ]),
    'Stuck: abandoned heal checks, lagging Activity Log lookups': bars(d.stuck),
    'Invocation failures': bars([{ label: 'events ending in error', value: d.failedEvents }]),
    'Latest events (one trace each)': events(d.latestEvents.slice(0, latest)),
  };
  const panels = titles
    .map(
      (t) =>
        `<section class="${t.startsWith('Latest') ? 'wide' : ''}"><h2>${esc(t)}</h2>${body[t] ?? '<p class="none">(not drawn)</p>'}</section>`,
    )
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>acr-remediator dashboard</title><style>
body{font:13px "Segoe UI",system-ui,sans-serif;margin:0;background:#f3f2f1;color:#201f1e}
header{background:#fff;padding:14px 20px;border-bottom:1px solid #e1dfdd}
h1{font-size:18px;margin:0 0 4px}header p{margin:0;color:#605e5c}
main{display:grid;grid-template-columns:repeat(2,600px);gap:14px;padding:14px 20px}
section{background:#fff;border:1px solid #e1dfdd;border-radius:2px;padding:10px 14px}
section.wide{grid-column:1 / span 2}
h2{font-size:14px;font-weight:600;margin:0 0 8px}
svg text{font-size:12px;fill:#323130}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #edebe9;white-space:nowrap}
th{font-weight:600;color:#605e5c}.none{color:#a19f9d;font-style:italic}
</style></head><body><header><h1>acr-remediator</h1><p>${esc(caption)}</p></header><main>
${panels}
</main></body></html>`;
}
