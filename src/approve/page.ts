/**
 * The approval page (pure HTML, no script): what will be written, where, whether the guardrails allow it now, and a
 * form that POSTs the signed token. A GET never writes; only the form's POST approves or dismisses.
 */
import type { ApprovalView, ReviewItem } from './flow';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font-family:system-ui,Segoe UI,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%;margin:1rem 0}td,th{border:1px solid #ccc;padding:.4rem;text-align:left;vertical-align:top;font-size:.9rem}
.ok{color:#0a6d2c;font-weight:600}.no{color:#a4262c;font-weight:600}code{font-size:.8rem;word-break:break-all}
form{display:inline-block;margin-right:1rem}button{font-size:1rem;padding:.5rem 1.4rem;border-radius:4px;border:1px solid #888;cursor:pointer}
button.approve{background:#0a6d2c;color:#fff;border-color:#0a6d2c}.note{color:#555;font-size:.85rem}.changed{background:#fff4ce;padding:.6rem;border-radius:4px}`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)} · acr-remediator</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

function row(i: ReviewItem): string {
  const verdict = i.allowed
    ? '<span class="ok">allowed now</span>'
    : `<span class="no">not allowed now</span>${i.why ? `<br>${escapeHtml(i.why)}` : ''}`;
  return `<tr><td>${escapeHtml(i.type)}</td><td>${escapeHtml(i.what)}</td><td><code>${escapeHtml(i.where)}</code></td><td>${verdict}</td></tr>`;
}

function form(verb: 'approve' | 'dismiss', token: string): string {
  return `<form method="post"><input type="hidden" name="t" value="${escapeHtml(token)}"><button type="submit" name="verb" value="${verb}" class="${verb}">${verb === 'approve' ? 'Approve' : 'Dismiss'}</button></form>`;
}

export function renderApprovalPage(v: ApprovalView): string {
  switch (v.view) {
    case 'refused':
      return layout(v.title, `<h1>${escapeHtml(v.title)}</h1><p id="message">${escapeHtml(v.message)}</p>`);
    case 'result':
      return layout(
        v.title,
        `<h1 id="result">${escapeHtml(v.title)}</h1><p>${escapeHtml(v.message)}</p>${
          v.lines.length ? `<ul>${v.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` : ''
        }`,
      );
    case 'review': {
      const anyAllowed = v.items.some((i) => i.allowed);
      const forms =
        v.verb === 'dismiss'
          ? form('dismiss', v.dismissToken) + form('approve', v.approveToken)
          : form('approve', v.approveToken) + form('dismiss', v.dismissToken);
      return layout(
        v.title,
        `<h1>${escapeHtml(v.title)}</h1>${
          v.planChanged
            ? '<p class="changed" id="changed">What ARM holds now differs from the message: this is the new plan. Nothing was written.</p>'
            : ''
        }<p>${escapeHtml(v.summary)}</p><p class="note">Resource: <code>${escapeHtml(v.resourceId)}</code></p>
<table id="plan"><thead><tr><th>Fix</th><th>What will be written</th><th>Where</th><th>Guardrails</th></tr></thead><tbody>${v.items
          .map(row)
          .join('')}</tbody></table>${
          anyAllowed ? '' : '<p class="no">The guardrails allow none of these fixes now: approving writes nothing.</p>'
        }<p>Signed in as <strong>${escapeHtml(v.approver)}</strong>. The link is valid until ${escapeHtml(v.expiresAt)} and works once.</p>${forms}
<p class="note">Approving re-reads ARM and re-checks every guardrail before anything is written.</p>`,
      );
    }
  }
}
