import { useEffect, type RefObject } from 'react';
import type { CaseOption } from '../../../main/api/index.js';
import type { Trace } from '../../../main/api/trace.js';
import { finalAnswer } from '../../../main/api/trace.js';
import { AnswerCard } from './AnswerCard.js';
import { CdirAlert } from './CdirAlert.js';
import { EvidenceCard } from './EvidenceCard.js';
import { recordPaint } from './paintTimings.js';
import { ProvenanceFooter } from './ProvenanceFooter.js';
import { TraceText } from './TraceText.js';

const STATUS_TEXT: Record<Trace['status'], string> = {
  running: 'Reasoning…',
  completed: 'Completed',
  cancelled: 'Cancelled',
  failed: 'Failed',
  interrupted: 'Interrupted (the app stopped during this run)',
};

/** The run as it streams: text token by token, query chips, evidence cards, answers, the CDIR alert, provenance. */
export function ReasoningPanel({ trace, options, lastTokenAt }: { trace: Trace; options: readonly CaseOption[]; lastTokenAt: RefObject<number | null> }) {
  const threshold = trace.provenance?.params.cdirThreshold;
  useEffect(() => {
    if (trace.tokens > 0 && lastTokenAt.current !== null) recordPaint(trace.lastSeq, lastTokenAt.current);
  }, [trace.tokens, trace.lastSeq, lastTokenAt]);
  const final = finalAnswer(trace);
  return (
    <section className="reasoning" data-testid="trace" data-status={trace.status} data-tokens={trace.tokens}>
      <div className="run-status" data-testid="run-status" data-status={trace.status}>
        {STATUS_TEXT[trace.status]}
        {trace.status === 'running' && <span className="spinner" aria-hidden="true" />}
        <span className="muted"> · {trace.tokens} tokens</span>
      </div>
      <div className="trace-items">
        {trace.items.map((item, i) => {
          switch (item.kind) {
            case 'text':
              return <TraceText key={i} text={item.text} round={item.round} />;
            case 'query':
              return (
                <div key={i} className="query-chip" data-testid="query-chip">
                  <span className="query-label">Query</span> {item.query}
                </div>
              );
            case 'evidence':
              return (
                <div key={i} className="evidence-group" data-testid="evidence-group">
                  {item.passages.length === 0 ? <p className="muted">No evidence found.</p> : item.passages.map((p) => <EvidenceCard key={p.id + p.rank} passage={p} />)}
                </div>
              );
            case 'answer':
              return item.answer.phase === 'initial' && trace.answers.cdir ? (
                <p key={i} className="muted">
                  First answer: {item.answer.letter ?? '—'} ({((item.answer.confidence ?? 0) * 100).toFixed(1)}%)
                </p>
              ) : (
                <AnswerCard key={i} answer={item.answer} options={options} threshold={typeof threshold === 'number' ? threshold : undefined} />
              );
            case 'cdir':
              return <CdirAlert key={i} cdir={item.cdir} />;
            case 'notice':
              return (
                <p key={i} className={`notice notice-${item.level}`} data-testid={item.damaged ? 'damaged-event' : 'notice'}>
                  {item.message}
                  {item.damaged && <code className="damaged-raw">{item.damaged.raw}</code>}
                </p>
              );
          }
        })}
      </div>
      {trace.error && (
        <p className="error" data-testid="run-error">
          {trace.error.message}
        </p>
      )}
      {trace.status === 'completed' && !final && <p className="muted">The model gave no parsable answer.</p>}
      <ProvenanceFooter provenance={trace.provenance} timings={trace.timings} />
    </section>
  );
}
