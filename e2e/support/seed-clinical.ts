/**
 * Seeds a data directory for e2e/clinical-safety.spec.ts before the server starts (run with tsx):
 *
 *  - the demo (studies, each its own patient, and the demo cases), as a fresh install gets it;
 *  - one case per unreadable model output (two answers, an unknown letter, a missing `</answer>`, prose for a
 *    multiple-choice question, nothing at all), and one with two valid runs that disagree (B, then C), each run
 *    recorded by the real run service and the real reasoning loop (`runReasoning`) over `ScriptedEngine`, on the
 *    demo's study-5 key image;
 *  - a case holding images of two patients, written straight into the database as an app from before cases were
 *    tied to one patient could have left it.
 *
 * Usage: tsx e2e/support/seed-clinical.ts DATA_DIR  → prints {"scripted": {title: caseId}, "mixed": caseId} as JSON.
 */
import { createAppContext } from '../../main/app/create.js';
import { closeServices } from '../../main/app/services.js';
import { ensureDemo } from '../../main/cases/demo.js';
import { renderKeyImage } from '../../main/cases/key-images.js';
import type { Reasoner, RunEventDraft } from '../../main/cases/reasoner.js';
import { RunService } from '../../main/cases/run-service.js';
import { runReasoning } from '../../main/reasoning/run.js';
import { ScriptedEngine, type ScriptedRound } from '../../main/reasoning/testing/scripted.js';

const PROBS = { A: 0.1, B: 0.7, C: 0.1, D: 0.1 };

/** Title → the runs to record, each one round the model "writes". Titles name the fault so the spec finds each case. */
export const SCRIPTED: Record<string, ScriptedRound[]> = {
  'Scripted: two answer blocks': [{ output: '<think> a nodule </think>\n<answer> D </answer> <answer> C </answer>', answerProbs: { ...PROBS, D: 0.867 } }],
  'Scripted: unknown letter': [{ output: '<think> a nodule </think>\n<answer> F </answer>', answerProbs: PROBS }],
  'Scripted: missing closing tag': [{ output: '<think> a nodule </think>\n<answer> B', answerProbs: PROBS }],
  'Scripted: prose instead of a letter': [{ output: '<think> a nodule </think>\n<answer> probably a benign cyst </answer>', answerProbs: PROBS }],
  'Scripted: no output at all': [{ output: '' }],
  'Scripted: runs that disagree': [
    { output: '<think> a smooth nodule </think>\n<answer> B </answer>', answerProbs: { A: 0.02, B: 0.93, C: 0.04, D: 0.01 } },
    { output: '<think> an irregular lesion </think>\n<answer> C </answer>', answerProbs: { A: 0.02, B: 0.05, C: 0.92, D: 0.01 } },
  ],
};

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: seed-clinical.ts DATA_DIR');
const ctx = createAppContext({ dataDir, transport: 'web', demo: true });
try {
  await ensureDemo(ctx);
  const store = ctx.services.cases;
  const demo = store.listCases().map((c) => store.getCase(c.id));
  const us5 = demo.find((c) => /never trained on/.test(c.title))!;
  const us8 = demo.find((c) => /ambiguous/.test(c.title))!;
  const options = us5.options;

  const scripted: Record<string, string> = {};
  for (const [title, rounds] of Object.entries(SCRIPTED)) {
    const c = store.createCase({ title, question: 'Which option best explains the finding in this ultrasound image?', options, keyImages: us5.keyImages, synthetic: true });
    for (const round of rounds) {
      const runs = new RunService(ctx, store, { reasoner: scriptedReasoner(round), renderImage: (key) => renderKeyImage(ctx.services.studies, key) });
      const { runId } = runs.start(c.id, undefined);
      while (runs.isActive(runId)) await new Promise((r) => setTimeout(r, 20));
      const run = store.getRun(runId);
      if (run.status !== 'completed') throw new Error(`the scripted run "${title}" ended ${run.status}: ${run.error}`);
    }
    scripted[title] = c.id;
  }

  // Two patients in one case: study 5's image, then study 8's added behind the store's back.
  const mixed = store.createCase({ title: 'Mixed patients (left by an older version)', question: 'Which option best explains the finding?', options, keyImages: us5.keyImages, synthetic: true });
  const k = us8.keyImages[0]!;
  ctx.services.db
    .prepare('INSERT INTO case_key_images (case_id, position, sop_instance_uid, frame, window_center, window_width, invert, study_instance_uid, series_instance_uid, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(mixed.id, 1, k.sopInstanceUid, k.frame, k.window.center, k.window.width, k.invert ? 1 : 0, k.studyInstanceUid ?? null, k.seriesInstanceUid ?? null, k.label ?? null);
  console.log(JSON.stringify({ scripted, mixed: mixed.id }));
} finally {
  await closeServices(ctx);
}

/** The real reasoning loop over a scripted engine (no knowledge base), streaming into the run service as the app's reasoner does. */
function scriptedReasoner(round: ScriptedRound): Reasoner {
  return async (job) => {
    await runReasoning(
      { taskId: job.runId, images: job.images, question: job.question, options: job.options.map((o) => `${o.letter}. ${o.text}`) },
      {
        engine: new ScriptedEngine([round]),
        signal: job.signal,
        emit: (draft) => {
          if (draft.type === 'done' || draft.type === 'error' || draft.type === 'progress') return;
          const { taskId: _taskId, ...rest } = draft;
          job.emit(rest as RunEventDraft);
        },
      },
      { maxRounds: 1, cdirThreshold: 0 },
    );
  };
}
