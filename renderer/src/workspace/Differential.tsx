import { pct, type DifferentialRow } from '../../../main/api/assessment.js';

/** Every offered option with its name and probability at the first answer and, when CDIR ran, after it. */
export function Differential({ rows, chosen }: { rows: readonly DifferentialRow[]; chosen: string | null }) {
  if (rows.length === 0) return null;
  const cdir = rows.some((r) => r.after !== null);
  return (
    <table className="differential" data-testid="differential">
      <thead>
        <tr>
          <th colSpan={2}>Differential</th>
          <th>{cdir ? 'First answer' : 'Probability'}</th>
          {cdir && <th>After CDIR</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.letter} className={r.letter === chosen ? 'chosen' : ''} data-testid="differential-row" data-letter={r.letter}>
            <td className="diff-letter">{r.letter}</td>
            <td className="diff-name">
              {r.text}
              <div className="dist-bar">
                <div style={{ width: `${Math.round((r.after ?? r.before ?? 0) * 100)}%` }} />
              </div>
            </td>
            <td className="diff-p" data-testid="p-before">
              {pct(r.before)}
            </td>
            {cdir && (
              <td className="diff-p" data-testid="p-after">
                {pct(r.after)}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
