/**
 * The look of the HTML report: one inline style sheet (system fonts, nothing fetched) and the
 * colours of the experiments.
 */

/** Experiment colours, in run order: the baseline grey, the variants distinct from green and red. */
const PALETTE = ["#8c959f", "#0969da", "#d4760a", "#8250df", "#0f8a8a", "#bf3989", "#4d5bd1", "#9a6700"];

/** The colour of the experiment at `index` (run order, baseline first). */
export function colorOf(index: number): string {
  return PALETTE[index % PALETTE.length] as string;
}

/** The report's style sheet. */
export const CSS = `
:root{color-scheme:light;--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--up:#1a7f37;--down:#cf222e}
*{box-sizing:border-box}
body{margin:0;background:#fff;color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1060px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:24px;margin:0 0 8px}h2{font-size:18px;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:20px 0 8px}
.meta{display:flex;flex-wrap:wrap;gap:4px 28px;margin:0;color:var(--muted)}.meta div{display:flex;gap:6px}
.meta dt{font-weight:600}.meta dd{margin:0;color:var(--ink)}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600;font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em;vertical-align:bottom}
td.num{text-align:right;white-space:nowrap}th.num{text-align:right}
td.name,td.id{white-space:nowrap}td.id code{overflow-wrap:normal}
td.reason{color:var(--muted);max-width:420px;overflow-wrap:anywhere}
.interval{display:block;font-size:12px;color:var(--muted)}
.muted,.note{color:var(--muted)}.note{font-size:13px;margin:6px 0}
.up{color:var(--up);font-weight:600}.down{color:var(--down);font-weight:600}.flat{color:var(--muted)}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
.tag{font-size:12px;color:var(--muted);margin-left:6px}
.badge{display:inline-block;font-size:11px;font-weight:600;padding:0 6px;border-radius:8px;background:var(--soft);border:1px solid var(--line);color:var(--muted);margin-left:6px}
tr[data-change="regressed"] td:first-child{box-shadow:inset 3px 0 var(--down)}
tr[data-change="improved"] td:first-child{box-shadow:inset 3px 0 var(--up)}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:16px}
figure{margin:0;padding:12px;border:1px solid var(--line);border-radius:6px}figure.wide{grid-column:1/-1}
figcaption{font-weight:600;margin-bottom:6px}
svg{display:block;width:100%;height:auto;font:12px system-ui,sans-serif}
svg .grid{stroke:#eaeef2}svg .axis{stroke:#8c959f}svg .tick,svg .label{fill:var(--muted)}
svg .axis-title{fill:var(--muted);font-size:12px;font-weight:600}svg .value{fill:var(--ink);font-weight:600}
svg .whisker line{stroke:var(--ink);stroke-width:1.5}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 18px;padding:0;margin:6px 0 0;font-size:13px}
details{margin-top:8px}summary{cursor:pointer;color:var(--muted)}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--soft);padding:1px 4px;border-radius:4px;overflow-wrap:anywhere}
a{color:#0969da}
@media (max-width:760px){.charts{grid-template-columns:1fr}}
`;
