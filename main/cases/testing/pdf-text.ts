import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The text a reader of the PDF gets, via poppler's pdftotext (Debian poppler-utils; .ci/run installs it). */
export function pdfText(pdf: Buffer): string {
  const file = join(mkdtempSync(join(tmpdir(), 'medrwr-pdf-')), 'report.pdf');
  writeFileSync(file, pdf);
  const r = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  if (r.error) throw new Error(`pdftotext is needed to read PDFs in tests (apt-get install poppler-utils): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`pdftotext could not read the PDF: ${r.stderr}`);
  return r.stdout;
}
