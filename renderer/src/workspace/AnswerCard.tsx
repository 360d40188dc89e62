import { useEffect, useRef } from 'react';
import { pct, type Assessment } from '../../../main/api/assessment.js';
import { Differential } from './Differential.js';
import { FlagList } from './FlagList.js';

/** A half-circle gauge for a probability; the threshold is marked so "under threshold" is visible at a glance. */
export function Gauge({ value, threshold }: { value: number | null; threshold?: number }) {
  const v = Math.min(1, Math.max(0, value ?? 0));
  const arc = (t: number) => {
    const a = Math.PI * (1 - t);
    return [50 + 40 * Math.cos(a), 50 - 40 * Math.sin(a)] as const;
  };
  const [x, y] = arc(v);
  const colour = value === null ? '#5d6775' : threshold !== undefined && v < threshold ? 'var(--warn)' : '#3fb950';
  const [tx, ty] = arc(threshold ?? 0);
  return (
    <svg className="gauge" viewBox="0 0 100 58" role="img" aria-label={`confidence ${pct(value)}`}>
      <path d="M10 50 A40 40 0 0 1 90 50" fill="none" stroke="#2a313c" strokeWidth="9" />
      {v > 0 && <path d={`M10 50 A40 40 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)}`} fill="none" stroke={colour} strokeWidth="9" />}
      {threshold !== undefined && <line x1={tx} y1={ty} x2={50 + 48 * ((tx - 50) / 40)} y2={50 - 48 * ((50 - ty) / 40)} stroke="var(--text)" strokeWidth="1.5" />}
      <text x="50" y="48" textAnchor="middle" fontSize="14" fill="var(--text)">
        {pct(value)}
      </text>
    </svg>
  );
}

/**
 * The answer that stands, as a clinician must read it: either the option, its name and its confidence, or "No valid
 * answer" with the reason and no gauge (a confidence of an unreadable output means nothing). Below it the
 * differential over the offered options, before and after CDIR, and the flags in plain words.
 */
export function AnswerCard({ assessment, threshold }: { assessment: Assessment; threshold?: number }) {
  const { answer, valid } = assessment;
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    // A block body: newer Chromium returns a Promise from scrollIntoView, which React would take for a cleanup.
    void ref.current?.scrollIntoView({ block: 'nearest' });
  }, []);
  const phase = answer?.phase ?? 'initial';
  return (
    <section ref={ref} className={`answer-card ${valid ? 'valid' : 'invalid'}`} data-testid="answer-card" data-valid={valid} data-letter={valid ? (answer?.letter ?? '') : ''} data-phase={phase}>
      <header>{!valid ? 'No valid answer' : phase === 'cdir' ? 'Answer after CDIR' : 'Answer'}</header>
      {valid && answer ? (
        <div className="answer-body">
          {answer.letter && <div className="answer-letter">{answer.letter}</div>}
          <div className="answer-text" data-testid="answer-text">
            {assessment.answerText}
          </div>
          {answer.confidence !== null && (
            <div className="answer-gauge" data-testid="confidence" data-value={answer.confidence}>
              <Gauge value={answer.confidence} threshold={threshold} />
            </div>
          )}
        </div>
      ) : (
        <p className="answer-problem" data-testid="answer-problem">
          The model's output cannot be read as an answer: {assessment.problem ?? 'it is incomplete'}. Do not rely on this run; its raw output is under “Show model output”.
        </p>
      )}
      {valid && <Differential rows={assessment.differential} chosen={answer?.letter ?? null} />}
      <FlagList flags={assessment.flags.filter((f) => f.kind !== 'no-valid-answer')} />
    </section>
  );
}
