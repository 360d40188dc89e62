import { ExportedReport } from '../main/api/cases.js';
import type { AppContext } from '../main/app/context.js';
import { dispatch } from '../main/app/dispatch.js';
import { secureWindow } from './security.js';

/**
 * In the desktop app a PDF report is Chromium's print of the self-contained HTML report (what the user sees in the
 * HTML export, paginated); web mode and the CLI use the Node path in main/reports instead.
 */
export async function exportPdfWithChromium(ctx: AppContext, params: unknown): Promise<ExportedReport> {
  const html = ExportedReport.parse(await dispatch(ctx, 'reports.export', { ...(params as object), format: 'html' }));
  const window = secureWindow({ show: false, javascript: false });
  try {
    window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    await window.loadURL(`data:text/html;charset=utf-8;base64,${Buffer.from(html.data, 'utf8').toString('base64')}`);
    const pdf = await window.webContents.printToPDF({ printBackground: true, pageSize: 'A4' });
    return { filename: html.filename.replace(/\.html?$/, '.pdf'), mimeType: 'application/pdf', encoding: 'base64', data: pdf.toString('base64') };
  } finally {
    window.destroy();
  }
}

/** True for a reports.export call asking for a PDF. */
export function wantsPdf(method: string, params: unknown): boolean {
  return method === 'reports.export' && typeof params === 'object' && params !== null && (params as { format?: unknown }).format === 'pdf';
}
