import { useEffect, useRef } from 'react';
import type { CaseOption } from '../../../main/api/index.js';
import type { Answer } from '../../../main/api/trace.js';

export function pct(p: number | null | undefined): string {
  return typeof p === 'number' && Number.isFinite(p) ? `${(p * 100).toFixed(1)}%` : '—';
}

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

/** The answer: the option, its confidence as a gauge, and the distribution over the offered options. */
export function AnswerCard({ answer, options, threshold }: { answer: Answer; options: readonly CaseOption[]; threshold?: number }) {
  const option = options.find((o) => o.letter === answer.letter);
  const dist = Object.entries(answer.distribution).sort((a, b) => b[1] - a[1]);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    // A block body: newer Chromium returns a Promise from scrollIntoView, which React would take for a cleanup.
    void ref.current?.scrollIntoView({ block: 'nearest' });
  }, []);
  return (
    <section ref={ref} className={`answer-card phase-${answer.phase}`} data-testid="answer-card" data-letter={answer.letter ?? ''} data-phase={answer.phase}>
      <header>{answer.phase === 'cdir' ? 'Answer after CDIR' : 'Answer'}</header>
      <div className="answer-body">
        <div className="answer-letter">{answer.letter ?? '—'}</div>
        <div className="answer-text">{answer.letter === null ? <span className="muted">No parsable answer in the model's output.</span> : (option?.text ?? answer.text)}</div>
        <div className="answer-gauge" data-testid="confidence" data-value={answer.confidence ?? ''}>
          <Gauge value={answer.confidence} threshold={threshold} />
        </div>
      </div>
      {dist.length > 0 && (
        <table className="distribution" data-testid="distribution">
          <tbody>
            {dist.map(([letter, p]) => (
              <tr key={letter} className={letter === answer.letter ? 'chosen' : ''}>
                <td>{letter}</td>
                <td className="dist-bar">
                  <div style={{ width: `${Math.round(p * 100)}%` }} />
                </td>
                <td>{pct(p)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
