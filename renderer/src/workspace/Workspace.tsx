import { useEffect, useMemo, useState } from 'react';
import { validLetter, type RunOutcome } from '../../../main/api/assessment.js';
import { DISCLAIMER } from '../../../main/api/index.js';
import { buildTrace } from '../../../main/api/trace.js';
import { SettingsPanel } from '../settings/SettingsPanel.js';
import { useServices } from '../services/context.js';
import { KeyImageStrip } from '../viewer/KeyImageStrip.js';
import { useKeyImages } from '../services/keyImages.js';
import { AuditLog } from './AuditLog.js';
import { CaseHistory } from './CaseHistory.js';
import { ExportButtons } from './ExportButtons.js';
import { QuestionEditor } from './QuestionEditor.js';
import { PatientLine } from './PatientLine.js';
import { ReasoningPanel } from './ReasoningPanel.js';
import { ReviewPanel } from './ReviewPanel.js';
import { RunControls } from './RunControls.js';
import { useCaseSession } from './useCaseSession.js';
import './workspace.css';

type Tab = 'case' | 'history' | 'settings';

/** The reasoning workspace beside the viewer: the question, Run, the streamed trace, case history and settings. */
/** `onDemoReady`: the demo's studies were just imported (first launch), so the study browser should reload. */
export function Workspace({ onDemoReady }: { onDemoReady?: () => void } = {}) {
  const { client } = useServices();
  const s = useCaseSession();
  const marked = useKeyImages();
  const [tab, setTab] = useState<Tab>('case');
  const [startError, setStartError] = useState<string | null>(null);
  const running = s.trace.status === 'running' && s.runId !== null;
  const options = useMemo(() => (s.draft.mode === 'choice' ? s.draft.options.filter((o) => o.text.trim()) : []), [s.draft]);
  const problem = s.detail?.case.problem ?? null;
  const canRun = problem ? 'This case cannot be run: it holds images of more than one patient.' : !s.draft.question.trim() ? 'Write a question first.' : marked.length === 0 ? 'Mark at least one key image in the viewer (K).' : s.draft.mode === 'choice' && options.length < 2 ? 'Give at least two options, or switch to free text.' : null;

  // On start, reopen the most recent case (on a fresh install, the demo case). Once: its inputs are stable callbacks.
  const { open } = s;
  useEffect(() => {
    client
      .call('cases.ensureDemo', {})
      .then((r) => {
        if (r.created.length > 0) onDemoReady?.();
      })
      .catch((e: unknown) => setStartError(`The demo could not be set up: ${e instanceof Error ? e.message : String(e)}`))
      .then(() => client.call('cases.list', {}))
      .then((r) => r.cases[0] && void open(r.cases[0].id), (e: unknown) => setStartError(e instanceof Error ? e.message : String(e)));
  }, [client, open, onDemoReady]);

  // The case's other finished runs, for the "runs disagree" flag on the run shown.
  const runs = s.detail?.runs;
  const otherRuns = useMemo<RunOutcome[]>(() => (runs ?? []).filter((r) => r.id !== s.runId && r.status === 'completed').map((r) => ({ runId: r.id, letter: validLetter(buildTrace(r.events)) })), [runs, s.runId]);
  // A run is read against the options it was run with (saved on Run), not the draft being edited.
  const caseOptions = useMemo(() => s.detail?.case.options ?? [], [s.detail]);
  const shownRun = runs?.find((r) => r.id === s.runId);

  const synthetic = s.detail?.case.synthetic ?? false;
  return (
    <aside className="workspace-panel" data-testid="workspace">
      <nav className="tabs" role="tablist">
        {(['case', 'history', 'settings'] as const).map((t) => (
          <button key={t} role="tab" aria-selected={tab === t} className={tab === t ? 'on' : ''} onClick={() => setTab(t)}>
            {t === 'case' ? 'Case' : t === 'history' ? 'History' : 'Settings'}
          </button>
        ))}
      </nav>
      {tab === 'history' && (
        <CaseHistory
          reloadOn={s.detail}
          currentId={s.detail?.case.id ?? null}
          onOpen={(id) => {
            void s.open(id);
            setTab('case');
          }}
        />
      )}
      {tab === 'settings' && <SettingsPanel />}
      {tab === 'case' && (
        <div className="case-pane">
          <div className="case-head">
            <span className="case-name">{s.detail ? s.detail.case.title : 'New case'}</span>
            {synthetic && <span className="badge-synthetic">synthetic</span>}
            <button className="new-case" onClick={s.newCase} disabled={running}>
              New case
            </button>
          </div>
          {s.detail?.case.patient && <PatientLine patient={s.detail.case.patient} />}
          {problem && (
            <p className="error case-problem" role="alert" data-testid="case-problem">
              {problem}
            </p>
          )}
          {s.detail?.damaged?.map((d, i) => (
            <p key={i} className="notice notice-warning" data-testid="damaged-record">
              Damaged in the database, not shown: {d.record} ({d.reason}).<code className="damaged-raw">{d.raw}</code>
            </p>
          ))}
          <QuestionEditor draft={s.draft} onChange={s.setDraft} disabled={running} />
          {marked.length === 0 ? <p className="muted key-hint">No key images yet: open a series and press K (or the key-image button) on a frame.</p> : <KeyImageStrip />}
          <RunControls running={running} busy={s.busy} canRun={canRun} hasRun={(s.detail?.runs.length ?? 0) > 0} onRun={(o) => void s.run(o)} onCancel={() => void s.cancel()} />
          {startError && <p className="error">{startError}</p>}
          {s.error && (
            <p className="error" role="alert" data-testid="workspace-error">
              {s.error}
            </p>
          )}
          {s.detail && s.detail.runs.length > 1 && (
            <div className="runs-picker" data-testid="runs-picker">
              <span className="muted">Runs:</span>
              {s.detail.runs.map((r, i) => (
                <button key={r.id} className={r.id === s.runId ? 'on' : ''} data-status={r.status} onClick={() => s.selectRun(r.id)} title={`${r.status} · ${r.startedAt}`}>
                  {i + 1}
                  {r.finalLetter ? ` ${r.finalLetter}` : ''} · {r.status}
                </button>
              ))}
            </div>
          )}
          {s.runId && <ReasoningPanel trace={s.trace} options={s.detail ? caseOptions : options} otherRuns={otherRuns} />}
          {s.detail && shownRun?.status === 'completed' && s.trace.status === 'completed' && (
            <ReviewPanel caseId={s.detail.case.id} runId={shownRun.id} reviews={s.detail.reviews} onSaved={() => void s.reload()} />
          )}
          {s.detail && s.detail.runs.length > 0 && !running && !problem && <ExportButtons caseId={s.detail.case.id} runId={s.runId} />}
          {s.detail && <AuditLog caseId={s.detail.case.id} />}
          <p className="disclaimer">
            {DISCLAIMER}
            {synthetic ? ' · synthetic demo data and model' : ''}
          </p>
        </div>
      )}
    </aside>
  );
}
