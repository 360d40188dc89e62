import PDFDocument from 'pdfkit';
import type { TraceItem } from '../api/trace.js';
import { finalAnswer } from '../api/trace.js';
import type { ReportModel } from './model.js';
import { pct, provenanceRows, timingRows } from './text.js';

const MARGIN = 48;

/**
 * The report as PDF, drawn with pdfkit in plain Node (the CLI and web mode have no browser to print with). The 14
 * standard fonts speak WinAnsi only, so text outside it is transliterated rather than drawn as garbage.
 */
export async function renderPdf(m: ReportModel): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: winAnsi(m.title), Subject: m.disclaimer, Creator: 'Med-RwR Workstation' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;
  const text = (s: string, opts: PDFKit.Mixins.TextOptions = {}) => doc.text(winAnsi(s), { width, ...opts });
  const heading = (s: string) => {
    doc.moveDown(0.6).font('Helvetica-Bold').fontSize(13).fillColor('#000');
    text(s);
    doc.font('Helvetica').fontSize(10).moveDown(0.2);
  };
  const pairs = (rows: [string, string][]) => {
    for (const [k, v] of rows) if (v) text(`${k}: ${v}`);
  };

  doc.font('Helvetica-Bold').fontSize(11).fillColor('#9a6700');
  text(m.disclaimer);
  doc.fillColor('#000').fontSize(17);
  text(m.title + (m.synthetic ? '  [synthetic]' : ''));
  doc.font('Helvetica').fontSize(9).fillColor('#555');
  text(`Generated ${m.generatedAt}${m.deidentified ? ' - de-identified' : ''}`);
  doc.fillColor('#000').fontSize(10);

  if (m.patient) {
    heading('Patient and study');
    pairs([
      ['Patient', m.patient.name],
      ['Patient ID', m.patient.id],
      ['Birth date', m.patient.birthDate],
      ['Sex', m.patient.sex],
      ['Study date', m.patient.studyDate],
      ['Accession', m.patient.accessionNumber],
      ['Study', m.patient.studyDescription],
    ]);
  }

  heading('Question');
  text(m.case.question);
  for (const o of m.case.options) text(`${o.letter}. ${o.text}`, { indent: 12 });

  heading('Key images');
  for (const [i, im] of m.images.entries()) {
    const caption = `${im.key.label ?? `Key image ${i + 1}`} - frame ${im.key.frame} - W ${im.key.window.width} / L ${im.key.window.center}${im.key.invert ? ' - inverted' : ''} - SOP ${im.key.sopInstanceUid}`;
    if (im.png) {
      if (doc.y + 200 > doc.page.height - MARGIN) doc.addPage();
      embed(im.png, 180);
    } else text(im.problem ?? 'image not available');
    doc.fontSize(8).fillColor('#555');
    text(caption);
    doc.fontSize(10).fillColor('#000').moveDown(0.3);
  }

  const t = m.trace;
  if (!t) {
    heading('Answer');
    text('This case has not been run.');
  } else {
    heading('Answer');
    const a = finalAnswer(t);
    if (a) {
      doc.font('Helvetica-Bold').fontSize(14);
      text(`${a.letter ?? '-'}  (confidence ${pct(a.confidence)}${a.phase === 'cdir' ? ', after CDIR' : ''})`);
      doc.font('Helvetica').fontSize(10);
      const option = m.case.options.find((o) => o.letter === a.letter);
      text(option ? `${option.letter}. ${option.text}` : a.text);
      const dist = Object.entries(a.distribution).sort((x, y) => y[1] - x[1]);
      if (dist.length) text('Distribution: ' + dist.map(([l, p]) => `${l} ${pct(p)}`).join(', '));
    } else text('No answer was given.');

    if (t.cdir) {
      heading('CDIR alert');
      text(`Confidence ${pct(t.cdir.before)} was under the threshold ${pct(t.cdir.threshold)}; the most similar reference image was consulted.`);
      if (t.cdir.similar) {
        if (doc.y + 130 > doc.page.height - MARGIN) doc.addPage();
        embed(t.cdir.similar.thumbnail, 110);
        text(`Reference: ${t.cdir.similar.caption} (score ${t.cdir.similar.score.toFixed(3)})`);
      }
      text(`Before: ${t.cdir.letterBefore ?? '-'} ${pct(t.cdir.before)}; after: ${t.cdir.letterAfter ?? '-'} ${pct(t.cdir.after)}; answer ${t.cdir.changed === null ? 'pending' : t.cdir.changed ? 'changed' : 'unchanged'}.`);
    }

    heading('Reasoning trace');
    for (const item of t.items) traceItem(item);
    if (t.error) text(`Error (${t.error.code}): ${t.error.message}`);

    heading('Provenance');
    pairs([...provenanceRows(m), ...timingRows(t)]);
  }

  doc.moveDown(1).fontSize(8).fillColor('#555');
  text(`Case ${m.case.id} - ${m.disclaimer}${m.synthetic ? ' - synthetic data and/or model' : ''}`);
  doc.end();
  await ended;
  return Buffer.concat(chunks);

  function embed(dataUrl: string, size: number) {
    try {
      doc.image(pngBuffer(dataUrl), { fit: [size, size] });
    } catch (err) {
      text(`(image could not be embedded: ${(err as Error).message})`);
    }
  }

  function traceItem(item: TraceItem) {
    switch (item.kind) {
      case 'text':
        doc.font('Courier').fontSize(8.5);
        text(item.text);
        doc.font('Helvetica').fontSize(10);
        break;
      case 'query':
        doc.font('Helvetica-Bold');
        text(`Query: ${item.query}`);
        doc.font('Helvetica');
        break;
      case 'evidence':
        if (!item.passages.length) text(`No evidence found for "${item.query}".`, { indent: 12 });
        for (const p of item.passages) {
          const scores = Object.entries(p.scores)
            .filter(([, v]) => typeof v === 'number')
            .map(([k, v]) => `${k} ${(v as number).toFixed(3)}`)
            .join(', ');
          doc.font('Helvetica-Oblique').fontSize(8.5);
          text(`Evidence ${p.rank} - ${p.source ?? 'knowledge base'}${p.title ? ` - ${p.title}` : ''} - ${scores}`, { indent: 12 });
          doc.font('Helvetica').fontSize(9.5);
          text(p.text, { indent: 12 });
          doc.fontSize(10);
        }
        break;
      case 'answer':
        text(`${item.answer.phase === 'cdir' ? 'Answer after CDIR' : 'Answer'}: ${item.answer.letter ?? '-'} (${pct(item.answer.confidence)})`);
        break;
      case 'cdir':
        text(`CDIR: confidence ${pct(item.cdir.before)} under threshold ${pct(item.cdir.threshold)}; a similar reference image was consulted.`);
        break;
      case 'notice':
        text(item.message);
        break;
    }
  }
}

function pngBuffer(dataUrl: string): Buffer {
  return Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
}

const REPLACEMENTS: Record<string, string> = { '→': '->', '←': '<-', '≤': '<=', '≥': '>=', '×': 'x', '…': '...', '“': '"', '”': '"', '‘': "'", '’': "'", '–': '-', '—': '-', '·': '-' };

/** Keeps what the standard fonts can draw (Latin-1 printable); replaces the rest with a close ASCII form or '?'. */
export function winAnsi(s: string): string {
  return s.normalize('NFC').replace(/[^\n\t\x20-\x7e\xa0-\xff]/gu, (ch) => REPLACEMENTS[ch] ?? (ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '').match(/^[\x20-\x7e]+$/) ? ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '') : '?'));
}
