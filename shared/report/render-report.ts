/**
 * A deployment's report: one self-contained HTML page (inline CSS, charts as inline SVG rendered
 * here by Vega; no script, nothing fetched) with the header, the timeline, each color's 5xx rate
 * and p99, the alarms and probes, and the event history. Every string from a record, an event or
 * a spec is escaped. Vega lives in this folder only, so only the report's own function bundles it.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { scrubCredentials } from '../domain/credential-scrub';
import type { DeploymentEvent, DeploymentRecord } from '../domain/deployment';
import { deploymentChartSpec } from './chart-specs';
import { reportModel, type ReportModel } from './report-model';

/** The page's text, safe in element content and in quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A Vega-Lite spec drawn as SVG, in Node (no browser, no canvas: Vega's headless renderer). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

function duration(ms: number): string {
  const s = Math.round(ms / 100) / 10;
  if (s < 120) return `${s} s`;
  const minutes = Math.floor(s / 60);
  return `${minutes} min ${Math.round(s - minutes * 60)} s`;
}

const OUTCOME_CLASS: Record<string, string> = {
  PROMOTED: 'good',
  ROLLED_BACK: 'bad',
  ROLLBACK_FAILED: 'bad',
  REJECTED: 'bad',
  IN_PROGRESS: 'running',
};

function header(record: DeploymentRecord, model: ReportModel): string {
  const rows: [string, string | undefined][] = [
    ['service', `${record.service} (cluster ${record.cluster})`],
    ['image', record.image],
    [
      'colors',
      record.liveColor && record.newColor ? `${record.liveColor} live → ${record.newColor} new` : undefined,
    ],
    ['requested by', record.requestedBy],
    ['started', iso(record.startedAt)],
    [
      'duration',
      record.endedAt !== undefined
        ? duration(record.endedAt - record.startedAt)
        : `${duration(model.durationS * 1000)} so far`,
    ],
    ['cause', record.error ? `${record.error.error}: ${record.error.cause}` : undefined],
    ['warning', record.warning],
  ];
  return `<header>
<h1>${escapeHtml(record.service)} <span class="outcome ${OUTCOME_CLASS[record.status] ?? ''}">${escapeHtml(record.status)}</span></h1>
<p class="id">deployment ${escapeHtml(record.id)}</p>
<table class="facts">${rows
    .filter(([, v]) => v)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join('')}</table>
</header>`;
}

function alarmsAndProbes(record: DeploymentRecord, model: ReportModel): string {
  const spec = record.spec;
  const watched = spec?.alarms ?? [];
  const alarms = `<h3>Alarms</h3>
<p>${watched.length ? `watched: ${watched.map((a) => `<code>${escapeHtml(a)}</code>`).join(', ')}` : 'none watched'}</p>
${
  model.alarms.length
    ? `<table><thead><tr><th>time</th><th>+s</th><th>in ALARM</th></tr></thead><tbody>${model.alarms
        .map(
          (a) =>
            `<tr><td>${escapeHtml(iso(a.at))}</td><td>${a.t.toFixed(2)}</td><td>${a.alarms.map(escapeHtml).join(', ')}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : watched.length
      ? '<p>none in ALARM at any evaluation kept</p>'
      : ''
}`;
  const probeConfig = spec?.probes
    ? `<p>${escapeHtml(scrubCredentials(spec.probes.url))}: ${spec.probes.requests} per round, expecting ${spec.probes.expectStatus.map(String).join(', ')}</p>`
    : '<p>none configured</p>';
  const probes = `<h3>Probes</h3>${probeConfig}${
    model.probes.length
      ? `<table><thead><tr><th>time</th><th>+s</th><th>phase</th><th>probes</th><th>failed</th></tr></thead><tbody>${model.probes
          .map(
            (p) =>
              `<tr${p.failed > 0 ? ' class="failed"' : ''}><td>${escapeHtml(iso(p.at))}</td><td>${p.t.toFixed(2)}</td><td>${escapeHtml(p.phase)}</td><td>${p.requests}</td><td>${p.failed}</td></tr>`,
          )
          .join('')}</tbody></table>`
      : ''
  }`;
  return `<section id="alarms-probes"><h2>Alarms and probes</h2>${alarms}${probes}</section>`;
}

function history(record: DeploymentRecord, events: DeploymentEvent[]): string {
  const rows = events
    .map(
      (e) =>
        `<tr class="event"><td>${escapeHtml(iso(e.at))}</td><td>${((e.at - record.startedAt) / 1000).toFixed(2)}</td><td><code>${escapeHtml(e.type)}</code></td><td>${escapeHtml(e.message)}</td></tr>`,
    )
    .join('\n');
  return `<section id="history"><h2>Event history</h2>
<table class="events"><thead><tr><th>time</th><th>+s</th><th>event</th><th>message</th></tr></thead><tbody>
${rows || '<tr><td colspan="4">no events</td></tr>'}
</tbody></table></section>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;margin:24px auto;max-width:1000px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}h3{font-size:14px;margin:14px 0 4px}
.id{color:#656d76;margin:0 0 10px}
.outcome{font-size:13px;padding:2px 8px;border-radius:10px;vertical-align:middle;background:#eaeef2}
.outcome.good{background:#dafbe1;color:#116329}.outcome.bad{background:#ffebe9;color:#a40e26}.outcome.running{background:#ddf4ff;color:#0550ae}
table{border-collapse:collapse;font-size:13px}th,td{text-align:left;padding:3px 10px 3px 0;vertical-align:top}
table.facts th{color:#656d76;font-weight:normal;white-space:nowrap}
table.events td:nth-child(1),table.events td:nth-child(2){white-space:nowrap;color:#656d76}
table.events tr:nth-child(even){background:#f6f8fa}
tr.failed td{color:#a40e26}
.chart svg{max-width:100%;height:auto}.note{color:#656d76;font-size:12px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
`;

export interface RenderedReport {
  html: string;
  /** Time spent drawing the charts and writing the page (ms). */
  renderMs: number;
}

/** The report page of `record` with its history `events` (oldest first). */
export async function renderReport(
  record: DeploymentRecord,
  events: DeploymentEvent[],
  now: () => number = Date.now,
): Promise<RenderedReport> {
  const started = now();
  const model = reportModel(record, events);
  const chart = await renderSvg(deploymentChartSpec(model));
  const note =
    model.observations > 0
      ? `${model.observations} gate evaluations kept; figures are those of the gate's window (the step so far, as published). A long deployment keeps a sample of its older evaluations, always the first, the last, every decision and every verdict change.`
      : 'No gate evaluation was recorded for this deployment.';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${record.service} ${record.status} — ${record.id}`)}</title>
<style>${STYLE}</style></head>
<body>
${header(record, model)}
<section id="timeline"><h2>Timeline: traffic, verdicts and health by color</h2>
<div class="chart" id="chart">${chart}</div>
<p class="note">${escapeHtml(note)}</p></section>
${alarmsAndProbes(record, model)}
${history(record, events)}
<footer class="note">Greenlight report, rendered ${escapeHtml(iso(now()))}.</footer>
</body></html>
`;
  return { html, renderMs: now() - started };
}
