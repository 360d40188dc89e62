import { useEffect, useMemo, useState } from 'react';
import type { CaseOption } from '../../../main/api/index.js';
import { assessRun, type RunOutcome } from '../../../main/api/assessment.js';
import { traceSections } from '../../../main/api/sections.js';
import type { Trace } from '../../../main/api/trace.js';
import { AnswerCard } from './AnswerCard.js';
import { CdirAlert } from './CdirAlert.js';
import { FirstAnswer } from './FirstAnswer.js';
import { ProvenanceFooter } from './ProvenanceFooter.js';
import { QuerySection } from './QuerySection.js';
import { TraceText } from './TraceText.js';
import { useServices } from '../services/context.js';

const STATUS_TEXT: Record<Trace['status'], string> = {
  running: 'Reasoning…',
  completed: 'Completed',
  cancelled: 'Cancelled',
  failed: 'Failed',
  interrupted: 'Interrupted (the app stopped during this run)',
};

interface Props {
  trace: Trace;
  options: readonly CaseOption[];
  /** The case's other runs, for the "runs disagree" flag. */
  otherRuns: readonly RunOutcome[];
}

/**
 * The run as it streams, in sections a reader follows: the reasoning (no protocol tags), each query with its evidence,
 * the answer card, the CDIR alert, notices, provenance. The model's raw output is one click away.
 */
export function ReasoningPanel({ trace, options, otherRuns }: Props) {
  const { paints } = useServices();
  const [raw, setRaw] = useState(false);
  const threshold = trace.provenance?.params.cdirThreshold;
  useEffect(() => {
    if (trace.tokens > 0) paints?.committed(trace.lastSeq);
  }, [paints, trace.tokens, trace.lastSeq]);
  const sections = useMemo(() => traceSections(trace), [trace]);
  const assessment = useMemo(() => assessRun(trace, options, otherRuns), [trace, options, otherRuns]);
  const card = <AnswerCard assessment={assessment} threshold={typeof threshold === 'number' ? threshold : undefined} />;
  const running = trace.status === 'running';
  return (
    <section className="reasoning" data-testid="trace" data-status={trace.status} data-tokens={trace.tokens}>
      <div className="run-status" data-testid="run-status" data-status={trace.status}>
        {STATUS_TEXT[trace.status]}
        {running && <span className="spinner" aria-hidden="true" />}
        <span className="muted"> · {trace.tokens} tokens</span>
        <button className="link raw-toggle" data-testid="show-model-output" aria-pressed={raw} onClick={() => setRaw(!raw)}>
          {raw ? 'Hide model output' : 'Show model output'}
        </button>
      </div>
      <div className="trace-items">
        {sections.map((s, i) => {
          switch (s.kind) {
            case 'reasoning':
              return <TraceText key={i} text={s.text} round={s.round} />;
            case 'query':
              return <QuerySection key={i} query={s.query} passages={s.passages} running={running} />;
            case 'answer':
              // The first answer is a line once CDIR answered again; the card shows the answer that stands.
              return s.phase === 'initial' && trace.answers.cdir ? <FirstAnswer key={i} answer={trace.answers.initial} options={options} /> : <div key={i}>{card}</div>;
            case 'cdir':
              return <CdirAlert key={i} cdir={s.cdir} />;
            case 'notice':
              return (
                <p key={i} className={`notice notice-${s.level}`} data-testid={s.damaged ? 'damaged-event' : 'notice'}>
                  {s.message}
                  {s.damaged && <code className="damaged-raw">{s.damaged.raw}</code>}
                </p>
              );
          }
        })}
        {trace.status === 'completed' && !trace.answers.initial && !trace.answers.cdir && card}
      </div>
      {raw && (
        <div className="model-output" data-testid="model-output">
          <p className="muted">The model's own output, with its protocol tags, as generated (retrieved evidence is not part of it).</p>
          {trace.items.map((item, i) => (item.kind === 'text' ? <TraceText key={i} text={item.text} round={item.round} raw /> : null))}
        </div>
      )}
      {trace.error && (
        <p className="error" data-testid="run-error">
          {trace.error.message}
        </p>
      )}
      <ProvenanceFooter provenance={trace.provenance} timings={trace.timings} />
    </section>
  );
}
