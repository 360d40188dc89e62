import type { CaseOption } from '../../../main/api/index.js';
import { pct } from '../../../main/api/assessment.js';
import type { Answer } from '../../../main/api/trace.js';

/** The first answer, once CDIR has answered again: a line in the trace (the card and its differential keep both). */
export function FirstAnswer({ answer, options }: { answer: Answer | null; options: readonly CaseOption[] }) {
  if (!answer) return null;
  const name = options.find((o) => o.letter === answer.letter)?.text;
  return (
    <p className="muted first-answer" data-testid="first-answer">
      First answer:{' '}
      {answer.valid ? `${answer.letter ?? ''}${name ? ` (${name})` : ''} at ${pct(answer.confidence)}` : `no valid answer (${answer.problem ?? 'unreadable'})`}
    </p>
  );
}
