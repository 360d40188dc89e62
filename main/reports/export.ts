import type { ExportedReport, ReportFormat } from '../api/cases.js';
import type { AppContext } from '../app/context.js';
import { ApiError } from '../api/errors.js';
import { renderHtml } from './html.js';
import { buildReportModel, type ReportModel } from './model.js';
import { renderPdf } from './pdf.js';

/** A case's report as a DICOM SR (Part 10 bytes). main/pacs writes it; the composition root wires it in. */
export type CaseSrWriter = (opts: { caseId: string; runId?: string }) => Promise<{ model: ReportModel; sopInstanceUid: string; bytes: Buffer }>;

/** A case report in one of the formats (HTML, PDF, JSON, DICOM SR), as data (the renderer saves it; the CLI writes it to --out). Audited. */
export async function exportReport(ctx: AppContext, opts: { caseId: string; format: ReportFormat; deidentify: boolean; runId?: string }): Promise<ExportedReport> {
  if (opts.format === 'sr') return exportSr(ctx, opts);
  const model = await buildReportModel(ctx, opts);
  const base = `case-${model.case.id.slice(0, 8)}${opts.deidentify ? '-deid' : ''}`;
  ctx.services.cases.audit('export', opts.caseId, model.run?.id ?? null, `${opts.format}${opts.deidentify ? ', de-identified' : ''}`);
  switch (opts.format) {
    case 'html':
      return { filename: `${base}.html`, mimeType: 'text/html', encoding: 'utf8', data: renderHtml(model) };
    case 'json':
      return { filename: `${base}.json`, mimeType: 'application/json', encoding: 'utf8', data: JSON.stringify(model, null, 2) + '\n' };
    case 'pdf':
      return { filename: `${base}.pdf`, mimeType: 'application/pdf', encoding: 'base64', data: (await renderPdf(model)).toString('base64') };
  }
}

async function exportSr(ctx: AppContext, opts: { caseId: string; deidentify: boolean; runId?: string }): Promise<ExportedReport> {
  if (opts.deidentify) throw new ApiError('bad_request', "A DICOM SR joins its study in the archive, so it carries the patient's identity: it cannot be de-identified. Export PDF, HTML or JSON de-identified instead.");
  const sr = await ctx.services.caseSr(opts);
  ctx.services.cases.audit('export', opts.caseId, sr.model.run?.id ?? null, `sr ${sr.sopInstanceUid}`);
  return { filename: `case-${sr.model.case.id.slice(0, 8)}-sr.dcm`, mimeType: 'application/dicom', encoding: 'base64', data: sr.bytes.toString('base64') };
}
