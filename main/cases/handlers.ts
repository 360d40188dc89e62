import type { Handler } from '../app/handlers.js';
import { ensureDemo } from './demo.js';
import { checkPackagesInBackground } from './engine-reasoner.js';
import { readSettings, writeSettings } from './settings-store.js';

type CaseMethod = 'cases.ensureDemo' | 'cases.review' | 'cases.create' | 'cases.update' | 'cases.get' | 'cases.list' | 'cases.delete' | 'cases.run' | 'cases.audit' | 'runs.cancel' | 'settings.get' | 'settings.set';

export const casesHandlers: { [M in CaseMethod]: Handler<M> } = {
  'cases.create': (p, ctx) => ctx.services.cases.createCase({ title: p.title, question: p.question, options: p.options ?? [], keyImages: p.keyImages ?? [], synthetic: p.synthetic ?? false }),
  'cases.update': ({ caseId, ...patch }, ctx) => ctx.services.cases.updateCase(caseId, patch),
  'cases.get': ({ caseId, audit }, ctx) => ctx.services.cases.openCase(caseId, audit ?? true),
  'cases.list': ({ search }, ctx) => ({ cases: ctx.services.cases.listCases(search) }),
  'cases.delete': ({ caseId }, ctx) => {
    ctx.services.cases.deleteCase(caseId);
    return { deleted: true as const };
  },
  'cases.run': ({ caseId, settings }, ctx) => ctx.services.runs.start(caseId, settings),
  'cases.ensureDemo': (_p, ctx) => ensureDemo(ctx),
  'cases.review': (p, ctx) => ctx.services.cases.addReview({ caseId: p.caseId, runId: p.runId, verdict: p.verdict, note: p.note ?? '', ...(p.editedAnswer ? { editedAnswer: p.editedAnswer } : {}) }),
  'cases.audit': ({ caseId }, ctx) => ({ entries: ctx.services.cases.auditLog(caseId) }),
  'runs.cancel': async ({ runId }, ctx) => ({ status: await ctx.services.runs.cancel(runId) }),
  'settings.get': (_p, ctx) => readSettings(ctx.dataDir),
  'settings.set': (p, ctx) => {
    const saved = writeSettings(ctx.dataDir, ctx.services.paths, p);
    checkPackagesInBackground(ctx, saved); // a newly selected package is checked now, not at its first run
    return saved;
  },
};
