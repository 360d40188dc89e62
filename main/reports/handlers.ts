import type { Handler } from '../app/handlers.js';
import { exportReport } from './export.js';

export const reportsHandlers: { 'reports.export': Handler<'reports.export'> } = {
  'reports.export': (p, ctx) => exportReport(ctx, { caseId: p.caseId, format: p.format, deidentify: p.deidentify ?? false, runId: p.runId }),
};
