import PDFDocument from 'pdfkit';
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

const SIDE = 48;
/** Room above the body for the patient header and below it for the footer; both are drawn after the body. */
const TOP = 92;
const BOTTOM = 60;
const KEY_IMAGE = 170;
const CDIR_IMAGE = 150;

/**
 * The report as PDF, drawn with pdfkit in plain Node (the CLI and web mode have no browser to print with). The body
 * flows between the margins; once it is laid out, every page gets the patient header, the decision-support label and
 * "Page n of N". The 14 standard fonts speak WinAnsi only, so text outside it is transliterated, not drawn as garbage.
 */
export async function renderPdf(m: ReportModel): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    bufferPages: true,
    margins: { top: TOP, bottom: BOTTOM, left: SIDE, right: SIDE },
    info: { Title: winAnsi(m.title), Subject: m.disclaimer, Creator: 'Med-RwR Workstation' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * SIDE;
  const bottom = () => doc.page.height - BOTTOM;
  const text = (s: string, opts: PDFKit.Mixins.TextOptions = {}) => doc.text(winAnsi(s), SIDE + (opts.indent ?? 0), undefined, { ...opts, indent: 0, width: width - (opts.indent ?? 0) });
  const style = (font: string, size: number, color = '#000') => doc.font(font).fontSize(size).fillColor(color);
  /** Starts a new page unless `h` points fit on this one. */
  const room = (h: number) => {
    if (doc.y + h > bottom()) doc.addPage();
  };
  /** A section heading, kept on one page with at least `need` points of what follows. */
  const heading = (s: string, need = 60) => {
    room(need + 30);
    doc.moveDown(0.6);
    style('Helvetica-Bold', 13);
    text(s);
    doc.moveTo(SIDE, doc.y + 1).lineTo(SIDE + width, doc.y + 1).lineWidth(0.5).strokeColor('#bbb').stroke();
    doc.y += 5;
    style('Helvetica', 10);
  };
  const pairs = (rows: [string, string][]) => {
    for (const [k, v] of rows) {
      if (!v) continue;
      style('Helvetica-Bold', 9.5);
      doc.text(winAnsi(`${k}: `), SIDE, undefined, { width, continued: true });
      style('Helvetica', 9.5);
      doc.text(winAnsi(v), { width });
    }
    style('Helvetica', 10);
  };

  style('Helvetica-Bold', 11, '#9a6700');
  text(m.disclaimer);
  style('Helvetica-Bold', 17);
  text(m.title + (m.synthetic ? '  [synthetic]' : ''));
  style('Helvetica', 9, '#555');
  text(generatedLine(m));
  if (m.patient?.studyDescription) text(`Study: ${m.patient.studyDescription}`);
  style('Helvetica', 10);

  heading('Question');
  text(m.case.question);
  if (m.case.options.length) for (const o of m.case.options) text(optionLine(o), { indent: 12 });
  else text('Free-text question (no options offered).', { indent: 12 });

  heading('Key images', m.images.some((im) => im.png) ? KEY_IMAGE : 40);
  if (!m.images.length) text('No key images.');
  for (const [i, im] of m.images.entries()) figure(im.png, KEY_IMAGE, imageCaption(im, i), im.problem);

  heading('Measurements');
  if (m.measurements.length) for (const x of m.measurements) text(measurementLine(x));
  else text(NO_MEASUREMENTS);

  heading('Answer');
  const answer = answerLines(m);
  style('Helvetica-Bold', 14, answer.valid ? '#000' : '#b00020');
  text(answer.headline);
  style('Helvetica', 10);
  for (const l of answer.lines) text(l);

  const t = m.trace;
  if (t) {
    heading('Differential');
    const dist = differentialRows(m);
    if (dist.length) {
      const cols = [SIDE, SIDE + width - 170, SIDE + width - 80];
      const afterCdir = hasAfterCdir(m);
      const line = (cells: string[], bold: boolean) => {
        room(14);
        style(bold ? 'Helvetica-Bold' : 'Helvetica', 9.5);
        const y = doc.y;
        doc.text(winAnsi(cells[0]!), cols[0]!, y, { width: cols[1]! - cols[0]! - 8 });
        const after = doc.y;
        doc.text(winAnsi(cells[1]!), cols[1]!, y, { width: 80 });
        if (afterCdir) doc.text(winAnsi(cells[2]!), cols[2]!, y, { width: 80 });
        doc.x = SIDE;
        doc.y = Math.max(after, doc.y) + 1;
      };
      line(['Option', 'First answer', 'After CDIR'], true);
      for (const r of dist) line([r.option, r.before, r.after], false);
      style('Helvetica', 10);
    } else text('No differential: a free-text question, or no valid answer to read probabilities from.');

    heading('Flags');
    const flags = m.assessment?.flags ?? [];
    if (!flags.length) text('None.');
    for (const f of flags) {
      style('Helvetica', 10, f.level === 'danger' ? '#b00020' : f.level === 'warning' ? '#8a5a00' : '#000');
      text(`- ${f.text}`);
    }
    style('Helvetica', 10);

    if (t.cdir) {
      heading('CDIR: second look with a similar image', CDIR_IMAGE + 40);
      const c = t.cdir;
      const y = doc.y;
      const half = width / 2;
      const key = m.images[0];
      const h1 = key?.png ? place(key.png, SIDE, y, CDIR_IMAGE) : 0;
      const h2 = c.similar ? place(c.similar.thumbnail, SIDE + half, y, CDIR_IMAGE) : 0;
      style('Helvetica', 8.5, '#333');
      doc.text('Key image as the model saw it', SIDE, y + h1 + 4, { width: half - 12 });
      const below1 = doc.y;
      doc.text(
        winAnsi(c.similar ? `Similar reference image: ${c.similar.caption}${c.similar.source ? ` (${c.similar.source})` : ''}, similarity ${c.similar.score.toFixed(3)}` : 'No similar reference image was found.'),
        SIDE + half,
        y + h2 + 4,
        { width: half - 12 },
      );
      doc.x = SIDE;
      doc.y = Math.max(below1, doc.y) + 6;
      style('Helvetica', 10);
      for (const l of cdirLines(c, m)) text(l);
    }

    heading('Reasoning and evidence');
    for (const s of m.sections) section(s);
    if (t.error) text(`Error (${t.error.code}): ${t.error.message}`);
  }

  heading('Review and attestation');
  const att = attestation(m);
  style('Helvetica-Bold', 11);
  text(att.status);
  style('Helvetica', 10);
  for (const l of att.lines) text(l);
  if (!m.review) {
    room(40);
    doc.moveDown(2);
    doc.moveTo(SIDE, doc.y).lineTo(SIDE + 260, doc.y).lineWidth(0.7).strokeColor('#000').stroke();
    doc.y += 3;
    style('Helvetica', 8.5, '#555');
    text('Reader, signature and date', { lineGap: 0 });
    style('Helvetica', 10);
  }

  if (t) {
    heading('Provenance');
    pairs([...provenanceRows(m), ...timingRows(t)]);
  }

  pageFurniture();
  doc.end();
  await ended;
  return Buffer.concat(chunks);

  /** An image with its caption beside it (never over it); starts a new page when the pair does not fit. */
  function figure(png: string | null, size: number, caption: string[], problem: string | null) {
    const captionX = SIDE + size + 16;
    const captionW = width - size - 16;
    room(png ? size + 8 : 40);
    const y = doc.y;
    const h = png ? place(png, SIDE, y, size) : 0;
    if (!png) {
      style('Helvetica', 9, '#b00020');
      doc.text(winAnsi(problem ?? 'image not available'), SIDE, y, { width: size });
    }
    const imageBottom = Math.max(y + h, doc.y);
    style('Helvetica-Bold', 10);
    doc.text(winAnsi(caption[0] ?? ''), captionX, y, { width: captionW });
    style('Helvetica', 9, '#444');
    for (const l of caption.slice(1)) doc.text(winAnsi(l), captionX, undefined, { width: captionW });
    doc.x = SIDE;
    doc.y = Math.max(imageBottom, doc.y) + 10;
    style('Helvetica', 10);
  }

  /** Draws a PNG data URL fitted into a size×size box at (x, y); returns the height drawn (0 if it could not be). */
  function place(dataUrl: string, x: number, y: number, size: number): number {
    try {
      const buf = pngBuffer(dataUrl);
      const [w, h] = [buf.readUInt32BE(16), buf.readUInt32BE(20)];
      const scale = Math.min(size / w, size / h);
      doc.image(buf, x, y, { width: w * scale, height: h * scale });
      doc.rect(x, y, w * scale, h * scale).lineWidth(0.5).strokeColor('#888').stroke();
      return h * scale;
    } catch (err) {
      style('Helvetica', 9, '#b00020');
      doc.text(winAnsi(`(image could not be embedded: ${(err as Error).message})`), x, y, { width: size });
      return doc.y - y;
    }
  }

  function section(s: Section) {
    switch (s.kind) {
      case 'reasoning':
        style('Helvetica', 9.5, '#222');
        text(s.text, { indent: 6 });
        doc.moveDown(0.3);
        break;
      case 'query':
        room(40);
        style('Helvetica-Bold', 10);
        text(`Query: ${s.query}`);
        if (s.passages === null) {
          style('Helvetica-Oblique', 9.5);
          text('Nothing was retrieved for this query.', { indent: 12 });
        } else if (!s.passages.length) {
          style('Helvetica-Oblique', 9.5);
          text('No evidence found.', { indent: 12 });
        }
        for (const p of s.passages ?? []) {
          room(30);
          style('Helvetica-Oblique', 8.5, '#444');
          text(citation(p, m), { indent: 12 });
          style('Helvetica', 9.5);
          text(p.text, { indent: 12 });
          doc.moveDown(0.2);
        }
        break;
      case 'answer':
        style('Helvetica-Bold', 10);
        text(traceAnswerLine(m, s.phase));
        break;
      case 'cdir':
        style('Helvetica', 10, '#8a5a00');
        text(cdirNotice(s.cdir));
        break;
      case 'notice':
        style('Helvetica', 9.5, '#8a5a00');
        text(s.message);
        break;
    }
    style('Helvetica', 10);
  }

  /** The patient header, the decision-support label and the page number, on every page. */
  function pageFurniture() {
    const range = doc.bufferedPageRange();
    const header = headerFields(m);
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      // Text drawn inside a margin would otherwise make pdfkit start a new page.
      const margins = doc.page.margins;
      doc.page.margins = { top: 0, bottom: 0, left: 0, right: 0 };
      let x = SIDE;
      let y = 24;
      for (const [k, v] of header) {
        const label = winAnsi(`${k} `);
        const value = winAnsi(v);
        style('Helvetica', 8, '#555');
        const lw = doc.widthOfString(label);
        style('Helvetica-Bold', 9.5);
        const vw = doc.widthOfString(value);
        if (x > SIDE && x + lw + vw > SIDE + width) {
          x = SIDE;
          y += 15;
        }
        style('Helvetica', 8, '#555');
        doc.text(label, x, y + 1.5, { lineBreak: false });
        style('Helvetica-Bold', 9.5);
        doc.text(value, x + lw, y, { lineBreak: false, width: SIDE + width - x - lw, ellipsis: true });
        x += lw + Math.min(vw, SIDE + width - x - lw) + 16;
      }
      doc.moveTo(SIDE, y + 16).lineTo(SIDE + width, y + 16).lineWidth(1).strokeColor('#000').stroke();
      const fy = doc.page.height - 40;
      doc.moveTo(SIDE, fy - 6).lineTo(SIDE + width, fy - 6).lineWidth(0.5).strokeColor('#bbb').stroke();
      style('Helvetica-Bold', 8.5, '#9a6700');
      const label = `${m.disclaimer}${m.synthetic ? ' - synthetic data and/or model' : ''}${m.deidentified ? ' - de-identified' : ''}`;
      doc.text(winAnsi(label), SIDE, fy, { lineBreak: false, width: width - 90 });
      style('Helvetica', 8.5, '#000');
      doc.text(`Page ${i - range.start + 1} of ${range.count}`, SIDE + width - 90, fy, { lineBreak: false, width: 90, align: 'right' });
      doc.page.margins = margins;
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
