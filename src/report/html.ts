/**
 * report.html: one self-contained page (inline CSS and SVG; no scripts, no external resources, a
 * Content-Security-Policy that allows none). The run's header; per trial its timeline
 * (html-timeline.ts), flows and assertions tables and its events; then the outage across trials
 * (html-histogram.ts). Every text from the result (names come from users' files) goes through
 * esc().
 */
import type { RunResult, TrialResult } from '../model/result.js';
import { ms, value } from './format.js';
import { renderAcross } from './html-histogram.js';
import { renderTimeline } from './html-timeline.js';
import { esc } from './html-util.js';

export function renderHtml(r: RunResult): string {
  const failed = r.trials.reduce((k, t) => k + t.assertions.filter((a) => !a.ok).length, 0);
  const total = r.trials.reduce((k, t) => k + t.assertions.length, 0);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`halab ${r.lab} ${r.runId}: ${r.ok ? 'ok' : 'FAILED'}`)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="run ${r.ok ? 'ok' : 'failed'}">
<h1>${esc(r.lab)} <span class="badge ${r.ok ? 'ok' : 'failed'}">${r.ok ? 'ok' : 'FAILED'}</span></h1>
${r.description ? `<p class="description">${esc(r.description)}</p>` : ''}
<dl class="facts">
<dt>run</dt><dd class="run-id">${esc(r.runId)}</dd>
<dt>started</dt><dd>${esc(r.startedAt)}</dd>
<dt>duration</dt><dd>${esc((r.durationMs / 1000).toFixed(1))} s</dd>
<dt>assertions</dt><dd>${total - failed} of ${total} hold, over ${r.trials.length} trial(s)</dd>
<dt>host</dt><dd>${esc(r.host ? `${r.host.hostname}, kernel ${r.host.kernel}, ${r.host.cpus} CPUs` : '-')}</dd>
${r.labFile ? `<dt>lab</dt><dd>${esc(r.labFile)}</dd>` : ''}
${r.topologyFile ? `<dt>topology</dt><dd>${esc(r.topologyFile)}</dd>` : ''}
</dl>
<nav>${r.trials.map((t) => `<a class="${t.ok ? 'ok' : 'failed'}" href="#trial-${esc(t.index)}">trial ${esc(t.index)}</a>`).join(' ')} <a href="#across">across trials</a></nav>
</header>
<main>
${r.trials.map(trialSection).join('\n')}
<div id="across">${renderAcross(r)}</div>
</main>
<footer>halab report: times in ms relative to each trial's first fault; the outage is loss-derived (lost packets / rate, RFC 6413).</footer>
</body>
</html>
`;
}

function trialSection(t: TrialResult): string {
  const fault = t.fault ? `${t.fault.kind} ${t.fault.target}` : 'no fault';
  return `<section class="trial ${t.ok ? 'ok' : 'failed'}" id="trial-${esc(t.index)}" data-trial="${esc(t.index)}">
<h2>Trial ${esc(t.index)} <span class="badge ${t.ok ? 'ok' : 'failed'}">${t.ok ? 'ok' : 'FAILED'}</span> <span class="fault-name">${esc(fault)}</span></h2>
${t.aborted ? `<p class="aborted">Aborted: ${esc(t.aborted)}</p>` : ''}
<div class="scroll">${renderTimeline(t)}</div>
${flowsTable(t)}
${assertionsTable(t)}
${eventsTable(t)}
</section>`;
}

function flowsTable(t: TrialResult): string {
  if (!t.flows.length) return '<p class="note">No flow results.</p>';
  const head = ['flow', 'proto', 'path', 'rate (Hz)', 'sent', 'received', 'lost', 'outage (ms)', 'max gap (ms)', 'first loss (ms)', 'recovered (ms)', 'reordered', 'duplicated'];
  const rows = t.flows.map((f) => {
    const cells = [f.name, f.proto, `${f.src ?? '?'} -> ${f.dst ?? '?'}${f.dstAddress ? ` (${f.dstAddress})` : ''}`];
    const nums = [f.rateHz, f.sent, f.received, f.lost].map((x) => value(x));
    const times = [f.outageMs, f.maxGapMs, f.firstLossMs, f.recoveredMs].map((x) => ms(x));
    const counts = [f.reordered, f.duplicated].map((x) => value(x));
    return `<tr data-flow="${esc(f.name)}">${cells.map((c) => `<td>${esc(c)}</td>`).join('')}${[...nums, ...times, ...counts].map((c) => `<td class="num">${esc(c)}</td>`).join('')}</tr>`;
  });
  return `<table class="flows"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function assertionsTable(t: TrialResult): string {
  if (!t.assertions.length) return '<p class="note">No assertions.</p>';
  const rows = t.assertions.map(
    (a) =>
      `<tr class="${a.ok ? 'ok' : 'failed'}"><td class="status">${a.ok ? 'ok' : 'failed'}</td><td>${esc(a.name)}</td><td class="num">${esc(a.measured === undefined ? '' : value(a.measured))}</td><td class="num">${esc(a.limit === undefined ? '' : value(a.limit))}</td><td>${esc(a.detail)}</td></tr>`,
  );
  return `<table class="assertions"><thead><tr><th></th><th>assertion</th><th>measured</th><th>limit</th><th>detail</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function eventsTable(t: TrialResult): string {
  const items = [
    ...(t.faults ?? []).map((f) => ({ tMs: f.atMs, node: f.target, kind: `fault ${f.kind}`, detail: `${f.endMs !== undefined ? `until ${ms(f.endMs)} ms; ` : ''}${f.detail}` })),
    ...t.events,
  ].sort((a, b) => a.tMs - b.tMs);
  if (!items.length) return '';
  const rows = items.map((e) => `<tr><td class="num">${esc(ms(e.tMs))}</td><td>${esc(e.node)}</td><td>${esc(e.kind)}</td><td>${esc(e.detail)}</td></tr>`);
  return `<details class="events"><summary>${items.length} fault(s) and event(s)</summary><table><thead><tr><th>ms</th><th>node</th><th>kind</th><th>detail</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></details>`;
}

const CSS = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#222;background:#fff}
header.run{padding:12px 24px;border-bottom:4px solid #2e7d32;background:#f6f8f6}
header.run.failed{border-bottom-color:#c62828;background:#fbf5f5}
h1{margin:0 0 6px;font-size:22px}
h2{font-size:18px;margin:0 0 8px}
main{padding:0 24px 24px}
section{margin:18px 0;padding-top:8px;border-top:1px solid #ddd}
.badge{font-size:12px;padding:2px 8px;border-radius:10px;color:#fff;vertical-align:middle}
.badge.ok{background:#2e7d32}.badge.failed{background:#c62828}
.fault-name{font-weight:normal;color:#6a1b9a;font-size:15px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0}
dt{color:#666}dd{margin:0}
nav a{margin-right:8px;color:#1565c0}nav a.failed{color:#c62828;font-weight:bold}
.aborted{color:#c62828;font-weight:bold}
.note{color:#666;font-size:12px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}
th{background:#f0f0f0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
table.assertions tr.failed td{background:#fde8e8}
table.assertions tr.failed td.status{color:#c62828;font-weight:bold}
table.assertions tr.ok td.status{color:#2e7d32}
details.events{margin:6px 0}
svg text{font:11px system-ui,sans-serif;fill:#333}
svg .axis-line{stroke:#555}
svg .grid{stroke:#eee}svg .grid.zero{stroke:#bbb}
svg .axis-title,svg .row-label,svg .flow-meta,svg .spark-label{fill:#777}
svg .flow-name{font-weight:bold}
svg rect.phase{fill:#e3e8ec;stroke:#fff}
svg g.phase.failed rect.phase{fill:#f8c9cf}
svg .lane-sep{stroke:#f0f0f0}
svg rect.arrivals{fill:#9ccc9c}
svg rect.loss{fill:#d62728}
svg text.outage-label.has-loss{fill:#b71c1c;font-weight:bold}
svg polyline.throughput{fill:none;stroke:#1565c0;stroke-width:1.2}
svg rect.dip{fill:#d62728;opacity:.35}
svg g.fault line{stroke:#6a1b9a;stroke-width:1.5;stroke-dasharray:4 2}
svg g.fault text{fill:#6a1b9a;font-weight:bold}
svg rect.fault-span{fill:#6a1b9a;opacity:.07}
svg g.event line{stroke:#1565c0;stroke-width:.8;opacity:.5}
svg g.event circle{fill:#1565c0}
svg g.event text{fill:#0d47a1}
svg rect.bar{fill:#ef8a62}
.histograms{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0}figcaption{font-weight:bold;margin-bottom:4px}
footer{padding:12px 24px;color:#777;font-size:12px;border-top:1px solid #ddd}
`;
