import type { CaseSummary, ReviewVerdict } from '../../../main/api/index.js';

const REVIEW: Record<ReviewVerdict, string> = { agree: 'reviewed: agrees', disagree: 'reviewed: disagrees', edit: 'reviewed: edited' };

/** What a case row must say before it is opened: a problem, no valid answer, runs that disagree, the last review. */
export function CaseBadges({ summary: c }: { summary: CaseSummary }) {
  // A stood answer has a confidence even for free text (no letter); neither means the last run's output was unreadable.
  const noValidAnswer = c.status === 'answered' && c.lastValid === false;
  if (!c.problem && !noValidAnswer && !c.runsDisagree && !c.lastReview) return null;
  return (
    <span className="case-badges">
      {c.problem && (
        <span className="badge badge-danger" data-testid="badge-problem" title={c.problem}>
          {c.problem}
        </span>
      )}
      {noValidAnswer && (
        <span className="badge badge-danger" data-testid="badge-no-valid-answer">
          no valid answer
        </span>
      )}
      {c.runsDisagree && (
        <span className="badge badge-warning" data-testid="badge-runs-disagree">
          runs disagree
        </span>
      )}
      {c.lastReview && (
        <span className={`badge badge-review verdict-${c.lastReview}`} data-testid="badge-review" data-verdict={c.lastReview}>
          {REVIEW[c.lastReview]}
        </span>
      )}
    </span>
  );
}
