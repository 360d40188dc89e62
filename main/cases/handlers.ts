import type { Handler } from '../app/handlers.js';
import { exportReport } from '../reports/export.js';
import { ensureDemo } from './demo.js';
import { checkPackagesInBackground } from './engine-reasoner.js';
import { runService } from './run-service.js';
import { caseStore } from './service.js';
import { readSettings, writeSettings } from './settings-store.js';

type CaseMethod = 'cases.ensureDemo' | 'cases.review' | 'cases.create' | 'cases.update' | 'cases.get' | 'cases.list' | 'cases.delete' | 'cases.run' | 'cases.audit' | 'runs.cancel' | 'reports.export' | 'settings.get' | 'settings.set';

export const casesHandlers: { [M in CaseMethod]: Handler<M> } = {
  'cases.create': (p, ctx) => caseStore(ctx).createCase({ title: p.title, question: p.question, options: p.options ?? [], keyImages: p.keyImages ?? [], synthetic: p.synthetic ?? false }),
  'cases.update': ({ caseId, ...patch }, ctx) => caseStore(ctx).updateCase(caseId, patch),
  'cases.get': ({ caseId, audit }, ctx) => caseStore(ctx).openCase(caseId, audit ?? true),
  'cases.list': ({ search }, ctx) => ({ cases: caseStore(ctx).listCases(search) }),
  'cases.delete': ({ caseId }, ctx) => {
    caseStore(ctx).deleteCase(caseId);
    return { deleted: true as const };
  },
  'cases.run': ({ caseId, settings }, ctx) => runService(ctx).start(caseId, settings),
  'cases.ensureDemo': (_p, ctx) => ensureDemo(ctx),
  'cases.review': (p, ctx) => caseStore(ctx).addReview({ caseId: p.caseId, runId: p.runId, verdict: p.verdict, note: p.note ?? '', ...(p.editedAnswer ? { editedAnswer: p.editedAnswer } : {}) }),
  'cases.audit': ({ caseId }, ctx) => ({ entries: caseStore(ctx).auditLog(caseId) }),
  'runs.cancel': async ({ runId }, ctx) => ({ status: await runService(ctx).cancel(runId) }),
  'reports.export': (p, ctx) => exportReport(ctx, { caseId: p.caseId, format: p.format, deidentify: p.deidentify ?? false, runId: p.runId }),
  'settings.get': (_p, ctx) => readSettings(ctx.dataDir),
  'settings.set': (p, ctx) => {
    const saved = writeSettings(ctx.dataDir, p);
    checkPackagesInBackground(ctx, saved); // a newly selected package is checked now, not at its first run
    return saved;
  },
};
