import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { buildTrace, EMPTY_TRACE, reduceTrace, type Trace } from '../../../main/api/trace.js';
import type { AppEvent, CaseDetail, CaseOption, KeyImage as CaseKeyImage, Params, PatientRef, SettingsPatch } from '../../../main/api/index.js';
import type { Client } from '../transport/client.js';
import { useClient } from '../transport/context.js';
import { keyImages, type KeyImage as MarkedImage } from '../viewer/keyImages.js';
import { RunEventBuffer } from './runEvents.js';
import { recordPaint } from './paintTimings.js';

export interface Draft {
  title: string;
  question: string;
  mode: 'choice' | 'free';
  options: CaseOption[];
}

export const EMPTY_DRAFT: Draft = { title: '', question: '', mode: 'choice', options: [{ letter: 'A', text: '' }, { letter: 'B', text: '' }] };

const buffers = new WeakMap<Client, RunEventBuffer>();
export function runEventBuffer(client: Client): RunEventBuffer {
  let b = buffers.get(client);
  if (!b) buffers.set(client, (b = new RunEventBuffer(client)));
  return b;
}

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
function loadIntoViewer(images: readonly CaseKeyImage[], patient: PatientRef | null): void {
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
  const client = useClient();
  const buffer = runEventBuffer(client);
  const [detail, setDetail] = useState<CaseDetail | null>(null);
  const [draft, setDraft] = useState<Draft>(EMPTY_DRAFT);
  const [runId, setRunId] = useState<string | null>(null);
  const [trace, dispatchTrace] = useReducer(traceReducer, EMPTY_TRACE);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const unfollow = useRef<(() => void) | null>(null);
  const lastTokenAt = useRef<number | null>(null);

  const stopFollowing = () => {
    unfollow.current?.();
    unfollow.current = null;
  };
  useEffect(() => stopFollowing, []);

  const refresh = useCallback(
    async (caseId: string, audit = false) => {
      const d = await client.call('cases.get', { caseId, audit });
      setDetail(d);
      return d;
    },
    [client],
  );

  /** Replaces the live trace with the stored log, which is complete even if the event socket dropped some. */
  const resync = useCallback(
    async (id: string, caseId: string) => {
      const run = (await refresh(caseId)).runs.find((r) => r.id === id);
      if (run) dispatchTrace({ kind: 'reset', trace: buildTrace(run.events) });
      return run?.status ?? 'failed';
    },
    [refresh],
  );

  const follow = useCallback(
    (id: string, caseId: string) => {
      stopFollowing();
      dispatchTrace({ kind: 'reset', trace: EMPTY_TRACE });
      setRunId(id);
      let lastEventAt = Date.now();
      let ended = false;
      const stop = buffer.follow(id, (event) => {
        lastEventAt = Date.now();
        if (event.type === 'token') lastTokenAt.current = event.at;
        dispatchTrace({ kind: 'event', event });
        if (event.type === 'done') {
          ended = true;
          void resync(id, caseId).catch(() => undefined);
        }
      });
      // A quiet socket during a run (reconnecting after a server restart, a slow model load): catch up from the store.
      const watchdog = setInterval(() => {
        if (!ended && Date.now() - lastEventAt > 3000) {
          lastEventAt = Date.now();
          resync(id, caseId).then(
            (status) => (ended ||= status !== 'running'),
            () => undefined,
          );
        }
      }, 1000);
      unfollow.current = () => {
        stop();
        clearInterval(watchdog);
      };
    },
    [buffer, resync],
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
    [follow],
  );

  const guard = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const open = (caseId: string) =>
    guard(async () => {
      const d = await refresh(caseId, true);
      setDraft({ title: d.case.title, question: d.case.question, mode: d.case.options.length ? 'choice' : 'free', options: d.case.options.length ? d.case.options : EMPTY_DRAFT.options });
      loadIntoViewer(d.case.keyImages, d.case.patient);
      show(d, null);
    });

  const newCase = () => {
    stopFollowing();
    setDetail(null);
    setRunId(null);
    setDraft(EMPTY_DRAFT);
    setError(null);
    dispatchTrace({ kind: 'reset', trace: EMPTY_TRACE });
    loadIntoViewer([], null);
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

  return { detail, draft, setDraft, runId, trace, error, busy, open, newCase, run, cancel, selectRun, reload, lastTokenAt, recordPaint };
}
