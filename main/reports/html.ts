import type { Answer, Cdir, TraceItem } from '../api/trace.js';
import { finalAnswer } from '../api/trace.js';
import type { ReportModel } from './model.js';
import { pct, provenanceRows, timingRows } from './text.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1f24;max-width:960px;margin:24px auto;padding:0 16px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.disclaimer{color:#9a6700;border:1px solid #d4a72c;background:#fff8c5;padding:6px 10px;border-radius:4px;font-weight:600}
.synthetic{display:inline-block;background:#ddf4ff;color:#0550ae;border:1px solid #54aeff;border-radius:10px;padding:0 8px;font-size:12px;margin-left:8px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}dt{color:#57606a}dd{margin:0}
.images{display:flex;flex-wrap:wrap;gap:12px}.images figure{margin:0;max-width:300px}.images img{max-width:300px;max-height:300px;border:1px solid #d0d7de;background:#000}
figcaption{font-size:12px;color:#57606a}
.trace{white-space:pre-wrap;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;padding:8px}
.query{display:inline-block;background:#eef;border:1px solid #8c8cf0;border-radius:10px;padding:1px 8px;margin:6px 0;font-weight:600}
.evidence{border:1px solid #d0d7de;border-left:4px solid #54aeff;border-radius:4px;padding:6px 10px;margin:6px 0;background:#fff}
.evidence .meta{font-size:12px;color:#57606a}.answer{border:2px solid #1a7f37;border-radius:6px;padding:8px 12px;margin:10px 0}
.answer .letter{font-size:22px;font-weight:700}.cdir{border:2px solid #bf8700;border-radius:6px;padding:8px 12px;margin:10px 0;background:#fff8c5}
.cdir img{max-width:160px;border:1px solid #d0d7de;display:block;margin:4px 0}
table.dist{border-collapse:collapse}table.dist td{padding:1px 8px}.bar{background:#2da44e;height:10px}
.notice{color:#9a6700}.error{color:#cf222e}footer{margin-top:24px;font-size:12px;color:#57606a}
@media print{body{margin:0}}`;

/** A self-contained HTML report: inline CSS, images as data: URLs, no script, nothing fetched. */
export function renderHtml(m: ReportModel): string {
  const t = m.trace;
  const final = t ? finalAnswer(t) : null;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>${esc(m.title)}</title><style>${CSS}</style></head>
<body>
<p class="disclaimer">${esc(m.disclaimer)}</p>
<h1>${esc(m.title)}${m.synthetic ? '<span class="synthetic">synthetic</span>' : ''}</h1>
<p>Generated ${esc(m.generatedAt)}${m.deidentified ? ' · de-identified' : ''}</p>
${m.patient ? `<h2>Patient and study</h2><dl>${row('Patient', m.patient.name)}${row('Patient ID', m.patient.id)}${row('Birth date', m.patient.birthDate)}${row('Sex', m.patient.sex)}${row('Study date', m.patient.studyDate)}${row('Accession', m.patient.accessionNumber)}${row('Study', m.patient.studyDescription)}</dl>` : ''}
<h2>Question</h2>
<p>${esc(m.case.question)}</p>
${m.case.options.length ? `<ol type="A">${m.case.options.map((o) => `<li value="${o.letter.charCodeAt(0) - 64}"><b>${esc(o.letter)}.</b> ${esc(o.text)}</li>`).join('')}</ol>` : '<p><i>Free-text question.</i></p>'}
<h2>Key images</h2>
<div class="images">${m.images
    .map(
      (im, i) => `<figure>${im.png ? `<img alt="Key image ${i + 1}" src="${im.png}">` : `<p class="error">${esc(im.problem ?? '')}</p>`}
<figcaption>${esc(im.key.label ?? `Key image ${i + 1}`)} · frame ${im.key.frame} · W ${fmt(im.key.window.width)} / L ${fmt(im.key.window.center)}${im.key.invert ? ' · inverted' : ''}<br>SOP ${esc(im.key.sopInstanceUid)}</figcaption></figure>`,
    )
    .join('')}</div>
${t ? `<h2>Answer</h2>${final ? answerHtml(final, m.case.options) : '<p>No answer was given.</p>'}
${t.cdir ? cdirHtml(t.cdir) : ''}
<h2>Reasoning trace</h2>
<div class="trace-items">${t.items.map(itemHtml).join('\n')}</div>
${t.error ? `<p class="error">Error (${esc(t.error.code)}): ${esc(t.error.message)}</p>` : ''}
<h2>Provenance</h2><dl>${provenanceRows(m)
    .map(([k, v]) => row(k, v))
    .join('')}${timingRows(t).map(([k, v]) => row(k, v)).join('')}</dl>` : '<p>This case has not been run.</p>'}
<footer>Case ${esc(m.case.id)} · ${esc(m.disclaimer)}${m.synthetic ? ' · synthetic data and/or model' : ''}</footer>
</body></html>
`;
}

function itemHtml(item: TraceItem): string {
  switch (item.kind) {
    case 'text':
      return `<div class="trace" data-round="${item.round}">${esc(item.text)}</div>`;
    case 'query':
      return `<div class="query">Query: ${esc(item.query)}</div>`;
    case 'evidence':
      return item.passages.length
        ? item.passages
            .map(
              (p) => `<div class="evidence"><div class="meta">Evidence ${p.rank} · ${esc(p.source ?? 'knowledge base')}${p.title ? ` · <b>${esc(p.title)}</b>` : ''} · ${scores(p.scores)}</div><div>${esc(p.text)}</div></div>`,
            )
            .join('')
        : `<div class="evidence"><i>No evidence found for “${esc(item.query)}”.</i></div>`;
    case 'answer':
      return `<p><b>${item.answer.phase === 'cdir' ? 'Answer after CDIR' : 'Answer'}:</b> ${esc(item.answer.letter ?? '—')} (${pct(item.answer.confidence)})</p>`;
    case 'cdir':
      return `<p class="notice">CDIR: confidence ${pct(item.cdir.before)} under threshold ${pct(item.cdir.threshold)}; a similar reference image was consulted.</p>`;
    case 'notice':
      return `<p class="notice">${esc(item.message)}</p>`;
  }
}

function answerHtml(a: Answer, options: ReportModel['case']['options']): string {
  const option = options.find((o) => o.letter === a.letter);
  const dist = Object.entries(a.distribution).sort((x, y) => y[1] - x[1]);
  return `<div class="answer"><div><span class="letter">${esc(a.letter ?? '—')}</span> · confidence <b>${pct(a.confidence)}</b>${a.phase === 'cdir' ? ' (after CDIR)' : ''}</div>
<div>${esc(option ? `${option.letter}. ${option.text}` : a.text)}</div>
${dist.length ? `<table class="dist">${dist.map(([l, p]) => `<tr><td>${esc(l)}</td><td>${pct(p)}</td><td><div class="bar" style="width:${Math.round(p * 200)}px"></div></td></tr>`).join('')}</table>` : ''}</div>`;
}

function cdirHtml(c: Cdir): string {
  return `<div class="cdir"><b>CDIR alert</b>: the first answer's confidence ${pct(c.before)} was under the threshold ${pct(c.threshold)}.
${c.similar ? `<div>Similar reference image (score ${c.similar.score.toFixed(3)}):<img alt="similar reference image" src="${c.similar.thumbnail}"><i>${esc(c.similar.caption)}</i>${c.similar.source ? ` · ${esc(c.similar.source)}` : ''}</div>` : '<div>No similar reference image was found.</div>'}
<div>Confidence before ${pct(c.before)} (${esc(c.letterBefore ?? '—')}) → after ${pct(c.after)} (${esc(c.letterAfter ?? '—')}); answer ${c.changed === null ? 'pending' : c.changed ? '<b>changed</b>' : 'unchanged'}.</div></div>`;
}

function scores(s: { dense?: number; bm25?: number; fused?: number }): string {
  return Object.entries(s)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k} ${(v as number).toFixed(3)}`)
    .join(' · ');
}

function row(k: string, v: string): string {
  return v ? `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>` : '';
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
