/**
 * Teams cards are laid out at 520 px, the width of a card in a Teams channel.
 * Preview page (pure HTML; src/adapters/preview-files.ts writes it): every message as it would look. The Teams Adaptive Card is RENDERED in the page by the
 * `adaptivecards` library (its UMD build inlined, so the page works from any folder and offline); the Slack blocks
 * are laid out in HTML/CSS resembling Slack.
 */

export interface PreviewMessage {
  title: string;
  /** A Teams webhook body (renderTeams output) or null. */
  teams: unknown;
  /** A Slack webhook body (renderSlack output) or null. */
  slack: unknown;
}

export const PREVIEW_FILE = 'notification-previews.html';

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Slack mrkdwn (already &amp;/&lt;/&gt;-escaped, as Slack wants it) → HTML. */
export function renderMrkdwnHtml(text: string): string {
  const parts = text.split('```');
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return `<pre>${part.replace(/"/g, '&quot;')}</pre>`;
      return part
        .replace(/"/g, '&quot;')
        .replace(/`([^`\n]+)`/g, '<code>$1</code>')
        .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1<b>$2</b>')
        .replace(/(^|[\s(])_([^_\n]+)_/g, '$1<i>$2</i>')
        .replace(/\n/g, '<br>');
    })
    .join('');
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const textOf = (v: unknown): { type: string; text: string } => {
  const o = asObj(v);
  return {
    type: typeof o['type'] === 'string' ? o['type'] : 'plain_text',
    text: typeof o['text'] === 'string' ? o['text'] : '',
  };
};
const renderTextObj = (v: unknown): string => {
  const t = textOf(v);
  return t.type === 'mrkdwn' ? renderMrkdwnHtml(t.text) : escapeHtml(t.text);
};

/** Slack Block Kit → HTML resembling Slack's message layout. */
export function renderSlackHtml(message: unknown): string {
  const blocks = asArr(asObj(message)['blocks']);
  const html = blocks.map((b) => {
    const block = asObj(b);
    switch (block['type']) {
      case 'header':
        return `<div class="s-header">${escapeHtml(textOf(block['text']).text)}</div>`;
      case 'section': {
        const text = block['text'] ? `<div class="s-text">${renderTextObj(block['text'])}</div>` : '';
        const fields = asArr(block['fields']);
        const grid = fields.length
          ? `<div class="s-fields">${fields.map((f) => `<div>${renderTextObj(f)}</div>`).join('')}</div>`
          : '';
        return `<div class="s-section">${text}${grid}</div>`;
      }
      case 'divider':
        return '<hr class="s-divider">';
      case 'context':
        return `<div class="s-context">${asArr(block['elements'])
          .map((e) => `<span>${renderTextObj(e)}</span>`)
          .join('')}</div>`;
      case 'actions':
        return `<div class="s-actions">${asArr(block['elements'])
          .map((e) => {
            const el = asObj(e);
            const url = typeof el['url'] === 'string' ? el['url'] : '#';
            return `<a class="s-button${el['style'] === 'primary' ? ' primary' : ''}" href="${escapeHtml(url)}">${escapeHtml(textOf(el['text']).text)}</a>`;
          })
          .join('')}</div>`;
      default:
        return `<div class="s-unknown">[${escapeHtml(String(block['type']))} block]</div>`;
    }
  });
  return `<div class="slack-msg"><div class="s-avatar">R</div><div class="s-body"><div class="s-name">acr-remediator <span class="s-app">APP</span></div>${html.join('')}</div></div>`;
}

function embedJson(v: unknown): string {
  return JSON.stringify(v ?? null)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

const CSS = `
body{font-family:"Segoe UI",-apple-system,Helvetica,Arial,sans-serif;background:#f3f2f1;margin:0;padding:24px;color:#242424}
h1{font-size:20px;margin:0 0 16px} h2{font-size:15px;margin:24px 0 8px;color:#444}
.row{display:grid;grid-template-columns:546px minmax(0,1fr);gap:20px;align-items:start}
.pane{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15);padding:12px;min-width:0}
.pane-title{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:#888;margin-bottom:8px}
.teams-host{width:520px;background:#fff;border:1px solid #e1dfdd;border-radius:6px;overflow:hidden}
.slack-msg{display:flex;gap:10px;font-family:Lato,"Slack-Lato",-apple-system,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.46668;color:#1d1c1d}
.s-avatar{width:36px;height:36px;border-radius:6px;background:#4a154b;color:#fff;display:flex;align-items:center;justify-content:center;font-weight:700;flex:none}
.s-body{min-width:0;flex:1}.s-name{font-weight:900;margin-bottom:2px}.s-app{font-size:10px;background:#e8e8e8;color:#616061;padding:1px 3px;border-radius:2px;font-weight:700}
.s-header{font-size:18px;font-weight:900;margin:6px 0}
.s-section{margin:6px 0;overflow-wrap:anywhere}.s-fields{display:grid;grid-template-columns:1fr 1fr;gap:8px 16px;margin-top:6px}
.s-context{font-size:12px;color:#616061;display:flex;flex-wrap:wrap;gap:12px;margin:6px 0}
.s-divider{border:none;border-top:1px solid #ddd;margin:10px 0}
.s-actions{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0}
.s-button{border:1px solid #bbb;border-radius:4px;padding:3px 12px;font-size:13px;font-weight:700;color:#1d1c1d;text-decoration:none}
.s-button.primary{background:#007a5a;border-color:#007a5a;color:#fff}
pre{background:#f8f8f8;border:1px solid #ddd;border-radius:4px;padding:8px;white-space:pre-wrap;font-size:12px;overflow-wrap:anywhere}
code{background:#f8f8f8;border:1px solid #ddd;border-radius:3px;padding:0 3px;font-size:12px;color:#e01e5a}
.missing{color:#999;font-style:italic}
.emo{display:inline-flex;align-items:center;justify-content:center;width:1.15em;height:1.15em;border-radius:4px;color:#fff;font-size:.8em;font-weight:700;vertical-align:.05em;margin-right:.1em}
`;

const EMOJI_BADGES: Record<string, [string, string]> = {
  '✅': ['✔', '#2e7d32'],
  '⚠️': ['!', '#d48806'],
  '🚨': ['!', '#c50f1f'],
  '📝': ['✎', '#0f6cbd'],
  '⛔': ['⊘', '#d48806'],
  '🧑‍🔧': ['☛', '#616161'],
  '❌': ['✖', '#c50f1f'],
};

const BOOT = `
(function(){
  var hostConfig = new AdaptiveCards.HostConfig({
    fontFamily: "Segoe UI, Helvetica Neue, sans-serif",
    containerStyles: {
      default: { backgroundColor: "#FFFFFF", foregroundColors: { default: { default: "#242424", subtle: "#616161" }, accent: { default: "#0F6CBD" }, good: { default: "#0E700E" }, warning: { default: "#8A3707" }, attention: { default: "#C50F1F" } } },
      emphasis: { backgroundColor: "#F5F5F5" },
      good: { backgroundColor: "#E3F6E3", foregroundColors: { default: { default: "#0E4A0E", subtle: "#2E5E2E" } } },
      warning: { backgroundColor: "#FDF3D8", foregroundColors: { default: { default: "#5C3B00", subtle: "#7A5200" } } },
      attention: { backgroundColor: "#FDE7E9", foregroundColors: { default: { default: "#6E0811", subtle: "#8E1B25" } } }
    },
    actions: { maxActions: 5, actionsOrientation: "horizontal", buttonSpacing: 8 }
  });
  document.querySelectorAll("[data-card]").forEach(function(host){
    var json = JSON.parse(document.getElementById(host.getAttribute("data-card")).textContent);
    if (!json) { host.innerHTML = '<div class="missing">no Teams message</div>'; return; }
    var content = json.attachments && json.attachments[0] && json.attachments[0].content;
    var card = new AdaptiveCards.AdaptiveCard();
    card.hostConfig = hostConfig;
    card.parse(content);
    var el = card.render();
    if (el) host.appendChild(el); else host.textContent = "(card did not render)";
  });
  // Without an emoji font (headless browsers, servers) emoji show as boxes: draw the few we use as badges.
  // A colour emoji font draws coloured pixels; a missing glyph box is monochrome.
  var hasEmojiFont = (function(){
    try {
      var c = document.createElement("canvas"); c.width = c.height = 32;
      var g = c.getContext("2d"); g.textBaseline = "top"; g.font = "28px sans-serif"; g.fillText("\u2705", 0, 0);
      var d = g.getImageData(0, 0, 32, 32).data;
      for (var i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (Math.abs(d[i] - d[i + 1]) > 30 || Math.abs(d[i + 1] - d[i + 2]) > 30)) return true;
      return false;
    } catch (e) { return false; }
  })();
  if (!hasEmojiFont || /[?&]badges/.test(location.search)) {
    var map = EMOJI_BADGES;
    var re = new RegExp(Object.keys(map).join("|"), "g"); // the keys hold no regex metacharacters
    var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    var nodes = []; while (walker.nextNode()) nodes.push(walker.currentNode);
    nodes.forEach(function(n){
      if (!re.test(n.nodeValue)) return; re.lastIndex = 0;
      var span = document.createElement("span");
      span.innerHTML = n.nodeValue.replace(/&/g,"&amp;").replace(/</g,"&lt;").replace(re, function(m){ var b = map[m]; return '<span class="emo" style="background:' + b[1] + '">' + b[0] + '</span>'; });
      n.parentNode.replaceChild(span, n);
    });
  }
})();
`;

/** The preview page for the messages, with the `adaptivecards` UMD script inlined. */
export function buildPreviewPage(messages: ReadonlyArray<PreviewMessage>, script: string): string {
  const sections = messages.map((m, i) => {
    const slack = m.slack ? renderSlackHtml(m.slack) : '<div class="missing">no Slack message</div>';
    return `<section><h2>${escapeHtml(m.title)}</h2><div class="row">
<div class="pane"><div class="pane-title">Microsoft Teams</div><div class="teams-host" data-card="card-${i}"></div></div>
<div class="pane"><div class="pane-title">Slack</div>${slack}</div>
</div><script type="application/json" id="card-${i}">${embedJson(m.teams)}</script></section>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>acr-remediator notification previews</title>
<style>${CSS}</style></head><body><h1>acr-remediator · notification previews (${messages.length})</h1>
${sections.join('\n')}
<script>${script.replace(/<\/script/gi, '<\\/script')}</script>
<script>${BOOT.replace('EMOJI_BADGES', JSON.stringify(EMOJI_BADGES))}</script></body></html>`;
}
