import type { Flag } from '../../../main/api/assessment.js';

const MARK: Record<Flag['level'], string> = { danger: '⛔', warning: '⚠', info: 'ℹ' };

/** What to know before trusting a run, one plain sentence each, coloured by how much it matters. */
export function FlagList({ flags }: { flags: readonly Flag[] }) {
  if (flags.length === 0) return null;
  return (
    <ul className="flags" data-testid="flags">
      {flags.map((f) => (
        <li key={f.kind} className={`flag flag-${f.level}`} data-testid="flag" data-kind={f.kind} data-level={f.level}>
          <span aria-hidden="true">{MARK[f.level]}</span> {f.text}
        </li>
      ))}
    </ul>
  );
}
