import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { buildTrace, EMPTY_TRACE, reduceTrace, type Trace } from '../../../main/api/trace.js';
import type { AppEvent, CaseDetail, CaseOption, KeyImage as CaseKeyImage, Params, PatientRef, SettingsPatch } from '../../../main/api/index.js';
import { useServices } from '../services/context.js';
import type { KeyImage as MarkedImage, KeyImageStore } from '../services/keyImages.js';

export interface Draft {
  title: string;
  question: string;
  mode: 'choice' | 'free';
  options: CaseOption[];
}

export const EMPTY_DRAFT: Draft = { title: '', question: '', mode: 'choice', options: [{ letter: 'A', text: '' }, { letter: 'B', text: '' }] };

type TraceAction = { kind: 'reset'; trace: Trace } | { kind: 'event'; event: AppEvent };
function traceReducer(state: Trace, action: TraceAction): Trace {
  return action.kind === 'reset' ? action.trace : reduceTrace(state, action.event);
}

export function toCaseKeyImage(k: MarkedImage): CaseKeyImage {
  return {
    sopInstanceUid: k.sopInstanceUid,
    frame: k.frame,
    window: { center: k.windowCenter, width: Math.max(k.windowWidth, 1) },
    invert: k.invert,
    ...(k.studyInstanceUid ? { studyInstanceUid: k.studyInstanceUid } : {}),
    ...(k.seriesInstanceUid ? { seriesInstanceUid: k.seriesInstanceUid } : {}),
    ...(k.label ? { label: k.label } : {}),
  };
}

/** The case's images into the viewer's strip, all its patient's: a case never mixes patients (a new case has none). */
function loadIntoViewer(keyImages: KeyImageStore, images: readonly CaseKeyImage[], patient: PatientRef | null): void {
  keyImages.load(
    images.map((k) => ({
      studyInstanceUid: k.studyInstanceUid ?? '',
      seriesInstanceUid: k.seriesInstanceUid ?? '',
      sopInstanceUid: k.sopInstanceUid,
      frame: k.frame,
      windowCenter: k.window.center,
      windowWidth: k.window.width,
      invert: k.invert,
      label: k.label ?? `Frame ${k.frame + 1}`,
      patient,
    })),
    patient,
  );
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The open case, its draft question, the run being shown (live or stored) and the actions on them. */
export function useCaseSession() {
  const { client, keyImages, runEvents, paints } = useServices();
  const [detail, setDetail] = useState<CaseDetail | null>(null);
  const [draft, setDraft] = useState<Draft>(EMPTY_DRAFT);
  const [runId, setRunId] = useState<string | null>(null);
  const [trace, dispatchTrace] = useReducer(traceReducer, EMPTY_TRACE);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const unfollow = useRef<(() => void) | null>(null);

  const stopFollowing = useCallback(() => {
    unfollow.current?.();
    unfollow.current = null;
  }, []);
  useEffect(() => stopFollowing, [stopFollowing]);

  const refresh = useCallback(
    async (caseId: string, audit = false) => {
      const d = await client.call('cases.get', { caseId, audit });
      setDetail(d);
      return d;
    },
    [client],
  );

  /** Shows a run as it streams: live events, and the stored log (complete even if the socket dropped some). */
  const follow = useCallback(
    (id: string, caseId: string) => {
      stopFollowing();
      dispatchTrace({ kind: 'reset', trace: EMPTY_TRACE });
      setRunId(id);
      unfollow.current = runEvents.follow(id, caseId, (update) => {
        if (update.kind === 'event') {
          if (update.event.type === 'token') paints?.generated(update.event.at);
          dispatchTrace({ kind: 'event', event: update.event });
          return;
        }
        setDetail(update.detail);
        const run = update.detail.runs.find((r) => r.id === id);
        if (run) dispatchTrace({ kind: 'reset', trace: buildTrace(run.events) });
      });
    },
    [runEvents, paints, stopFollowing],
  );

  const show = useCallback(
    (d: CaseDetail, id: string | null) => {
      const run = d.runs.find((r) => r.id === id) ?? d.runs[d.runs.length - 1];
      if (!run) {
        stopFollowing();
        setRunId(null);
        dispatchTrace({ kind: 'reset', trace: EMPTY_TRACE });
      } else if (run.status === 'running') follow(run.id, d.case.id);
      else {
        stopFollowing();
        setRunId(run.id);
        dispatchTrace({ kind: 'reset', trace: buildTrace(run.events) });
      }
    },
    [follow, stopFollowing],
  );

  const guard = useCallback(async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }, []);

  const open = useCallback(
    (caseId: string) =>
      guard(async () => {
        const d = await refresh(caseId, true);
        setDraft({ title: d.case.title, question: d.case.question, mode: d.case.options.length ? 'choice' : 'free', options: d.case.options.length ? d.case.options : EMPTY_DRAFT.options });
        loadIntoViewer(keyImages, d.case.keyImages, d.case.patient);
        show(d, null);
      }),
    [guard, refresh, keyImages, show],
  );

  const newCase = () => {
    stopFollowing();
    setDetail(null);
    setRunId(null);
    setDraft(EMPTY_DRAFT);
    setError(null);
    dispatchTrace({ kind: 'reset', trace: EMPTY_TRACE });
    loadIntoViewer(keyImages, [], null);
  };

  /** Saves the draft (creating the case the first time) with the viewer's key images, then starts a run. */
  const run = (overrides?: SettingsPatch) =>
    guard(async () => {
      const fields = {
        title: draft.title.trim() || undefined,
        question: draft.question.trim(),
        options: draft.mode === 'choice' ? draft.options.filter((o) => o.text.trim()).map((o) => ({ letter: o.letter, text: o.text.trim() })) : [],
        keyImages: keyImages.list().map(toCaseKeyImage),
      };
      const c = detail?.case;
      const unchanged = c && (fields.title ?? c.title) === c.title && fields.question === c.question && same(fields.options, c.options) && same(fields.keyImages, c.keyImages);
      const saved = c ? (unchanged ? c : await client.call('cases.update', { caseId: c.id, ...fields })) : await client.call('cases.create', fields as Params<'cases.create'>);
      const { runId: id } = await client.call('cases.run', { caseId: saved.id, settings: overrides && Object.keys(overrides).length ? overrides : undefined });
      follow(id, saved.id);
      await refresh(saved.id);
    });

  const cancel = () =>
    guard(async () => {
      if (!runId) return;
      await client.call('runs.cancel', { runId });
      if (detail) await refresh(detail.case.id);
    });

  const selectRun = (id: string) => detail && show(detail, id);

  /** Re-reads the open case (after a review, say) without moving off the run shown. */
  const reload = () => detail && refresh(detail.case.id);

  return { detail, draft, setDraft, runId, trace, error, busy, open, newCase, run, cancel, selectRun, reload };
}
