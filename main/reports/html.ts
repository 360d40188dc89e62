import type { Section } from '../api/sections.js';
import type { ReportModel } from './model.js';
import {
  NO_MEASUREMENTS,
  answerLines,
  attestation,
  cdirLines,
  cdirNotice,
  citation,
  differentialRows,
  generatedLine,
  hasAfterCdir,
  headerFields,
  imageCaption,
  measurementLine,
  optionLine,
  provenanceRows,
  timingRows,
  traceAnswerLine,
} from './text.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1f24;max-width:960px;margin:0 auto;padding:0 16px}
header.page{border-bottom:2px solid #1b1f24;padding:8px 0 6px;margin-bottom:8px;background:#fff}
header.page dl{display:flex;flex-wrap:wrap;gap:2px 18px;margin:0}header.page dt{color:#57606a;font-size:12px}header.page dd{margin:0 0 0 4px;font-weight:600}
header.page div{display:flex;align-items:baseline}
h1{font-size:20px;margin:8px 0 4px}h2{font-size:16px;margin:22px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.disclaimer{color:#9a6700;border:1px solid #d4a72c;background:#fff8c5;padding:6px 10px;border-radius:4px;font-weight:600}
.synthetic{display:inline-block;background:#ddf4ff;color:#0550ae;border:1px solid #54aeff;border-radius:10px;padding:0 8px;font-size:12px;margin-left:8px}
dl.rows{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}dl.rows dt{color:#57606a}dl.rows dd{margin:0;overflow-wrap:anywhere}
ul.options{list-style:none;padding-left:12px}
figure.key{display:flex;gap:14px;align-items:flex-start;margin:0 0 12px;break-inside:avoid}
figure.key img{width:240px;max-height:240px;object-fit:contain;border:1px solid #d0d7de;background:#000;flex:none}
figcaption{font-size:13px;color:#1b1f24}figcaption span{display:block;color:#57606a;font-size:12px;overflow-wrap:anywhere}
.answer{border:2px solid #1a7f37;border-radius:6px;padding:8px 12px;margin:10px 0}.answer .headline{font-size:18px;font-weight:700}
.answer.invalid{border-color:#cf222e}.answer.invalid .headline{color:#cf222e}
table.dist{border-collapse:collapse}table.dist th,table.dist td{padding:2px 10px;text-align:left;border-bottom:1px solid #eaeef2}
ul.flags li.danger{color:#cf222e}ul.flags li.warning{color:#9a6700}
.cdir{border:2px solid #bf8700;border-radius:6px;padding:8px 12px;margin:10px 0;background:#fff8c5}
.cdir .pair{display:flex;gap:16px;flex-wrap:wrap}.cdir figure{margin:0;max-width:220px}.cdir img{width:200px;max-height:200px;object-fit:contain;border:1px solid #d0d7de;background:#000;display:block}
.reasoning{white-space:pre-wrap;background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;padding:8px;margin:6px 0}
.query{font-weight:600;margin:10px 0 4px}
.evidence{border:1px solid #d0d7de;border-left:4px solid #54aeff;border-radius:4px;padding:6px 10px;margin:6px 0 6px 12px}
.evidence .cite{font-size:12px;color:#57606a}
.notice{color:#9a6700}.error{color:#cf222e}
.attest .status{font-weight:700}.attest .sign{margin-top:18px;border-top:1px solid #1b1f24;width:360px;font-size:12px;color:#57606a;padding-top:2px}
footer.page{margin-top:24px;font-size:12px;color:#57606a;border-top:1px solid #d0d7de;padding-top:4px}
table.layout{width:100%;border-collapse:collapse}table.layout>*>tr>td{padding:0}
@page{margin:14mm 12mm 16mm;@bottom-right{content:"Page " counter(page) " of " counter(pages);font:9pt system-ui,sans-serif;color:#57606a}}
@media print{body{max-width:none;padding:0}figure.key,.evidence,.cdir,.answer{break-inside:avoid}}`;

/**
 * A self-contained HTML report: inline CSS, images as data: URLs, no script, nothing fetched. The patient header and
 * the decision-support footer are a layout table's head and foot, which browsers repeat on every printed page; the page
 * number is an @page margin box.
 */
export function renderHtml(m: ReportModel): string {
  const t = m.trace;
  const answer = answerLines(m);
  const dist = differentialRows(m);
  const afterCdir = hasAfterCdir(m);
  const flags = m.assessment?.flags ?? [];
  const att = attestation(m);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>${esc(m.title)}</title><style>${CSS}</style></head>
<body>
<table class="layout"><thead><tr><td><header class="page"><dl>${headerFields(m)
    .map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`)
    .join('')}</dl></header></td></tr></thead>
<tfoot><tr><td><footer class="page">${esc(m.disclaimer)}${m.synthetic ? ' · synthetic data and/or model' : ''}${m.deidentified ? ' · de-identified' : ''}</footer></td></tr></tfoot>
<tbody><tr><td><main>
<p class="disclaimer">${esc(m.disclaimer)}</p>
<h1>${esc(m.title)}${m.synthetic ? '<span class="synthetic">synthetic</span>' : ''}</h1>
<p>${esc(generatedLine(m))}</p>
${m.patient?.studyDescription ? `<p>Study: ${esc(m.patient.studyDescription)}</p>` : ''}
<h2>Question</h2>
<p>${esc(m.case.question)}</p>
${m.case.options.length ? `<ul class="options">${m.case.options.map((o) => `<li>${esc(optionLine(o))}</li>`).join('')}</ul>` : '<p><i>Free-text question (no options offered).</i></p>'}
<h2>Key images</h2>
${m.images.length ? m.images.map(keyImageHtml).join('\n') : '<p>No key images.</p>'}
<h2>Measurements</h2>
${m.measurements.length ? `<ul>${m.measurements.map((x) => `<li>${esc(measurementLine(x))}</li>`).join('')}</ul>` : `<p>${esc(NO_MEASUREMENTS)}</p>`}
<h2>Answer</h2>
<div class="answer${answer.valid ? '' : ' invalid'}"><div class="headline">${esc(answer.headline)}</div>${answer.lines.map((l) => `<div>${esc(l)}</div>`).join('')}</div>
${t ? `<h2>Differential</h2>
${dist.length ? `<table class="dist"><tr><th>Option</th><th>First answer</th>${afterCdir ? '<th>After CDIR</th>' : ''}</tr>${dist.map((r) => `<tr><td>${esc(r.option)}</td><td>${esc(r.before)}</td>${afterCdir ? `<td>${esc(r.after)}</td>` : ''}</tr>`).join('')}</table>` : '<p>No differential: a free-text question, or no valid answer to read probabilities from.</p>'}
<h2>Flags</h2>
${flags.length ? `<ul class="flags">${flags.map((f) => `<li class="${f.level}">${esc(f.text)}</li>`).join('')}</ul>` : '<p>None.</p>'}
${t.cdir ? cdirHtml(m) : ''}
<h2>Reasoning and evidence</h2>
${m.sections.map((s) => sectionHtml(s, m)).join('\n')}
${t.error ? `<p class="error">Error (${esc(t.error.code)}): ${esc(t.error.message)}</p>` : ''}` : ''}
<h2>Review and attestation</h2>
<div class="attest"><div class="status">${esc(att.status)}</div>${att.lines.map((l) => `<div>${esc(l)}</div>`).join('')}
${m.review ? '' : '<div class="sign">Reader, signature and date</div>'}</div>
${t ? `<h2>Provenance</h2><dl class="rows">${[...provenanceRows(m), ...timingRows(t)].map(([k, v]) => row(k, v)).join('')}</dl>` : ''}
</main></td></tr></tbody></table>
</body></html>
`;
}

function keyImageHtml(im: ReportModel['images'][number], i: number): string {
  const [title, ...rest] = imageCaption(im, i);
  return `<figure class="key">${im.png ? `<img alt="Key image ${i + 1}" src="${im.png}">` : `<p class="error">${esc(im.problem ?? 'image not available')}</p>`}
<figcaption>${esc(title!)}${rest.map((l) => `<span>${esc(l)}</span>`).join('')}</figcaption></figure>`;
}

function cdirHtml(m: ReportModel): string {
  const c = m.trace!.cdir!;
  const key = m.images[0];
  return `<h2>CDIR: second look with a similar image</h2><div class="cdir">
<div class="pair"><figure>${key?.png ? `<img alt="key image as the model saw it" src="${key.png}">` : ''}<figcaption>Key image as the model saw it</figcaption></figure>
${c.similar ? `<figure><img alt="similar reference image" src="${c.similar.thumbnail}"><figcaption>Similar reference image: ${esc(c.similar.caption)}${c.similar.source ? ` (${esc(c.similar.source)})` : ''}, similarity ${c.similar.score.toFixed(3)}</figcaption></figure>` : '<p>No similar reference image was found.</p>'}</div>
${cdirLines(c, m)
    .map((l) => `<div>${esc(l)}</div>`)
    .join('')}</div>`;
}

function sectionHtml(s: Section, m: ReportModel): string {
  switch (s.kind) {
    case 'reasoning':
      return `<div class="reasoning">${esc(s.text)}</div>`;
    case 'query':
      return `<div class="query">Query: ${esc(s.query)}</div>${
        s.passages === null
          ? '<div class="evidence"><i>Nothing was retrieved for this query.</i></div>'
          : s.passages.length
            ? s.passages.map((p) => `<div class="evidence"><div class="cite">${esc(citation(p, m))}</div><div>${esc(p.text)}</div></div>`).join('')
            : '<div class="evidence"><i>No evidence found.</i></div>'
      }`;
    case 'answer':
      return `<p><b>${esc(traceAnswerLine(m, s.phase))}</b></p>`;
    case 'cdir':
      return `<p class="notice">${esc(cdirNotice(s.cdir))}</p>`;
    case 'notice':
      return `<p class="notice">${esc(s.message)}</p>`;
  }
}

function row(k: string, v: string): string {
  return v ? `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>` : '';
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
