import type { CaseOption } from '../../../main/api/index.js';
import type { Draft } from './useCaseSession.js';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The question: free text, or multiple choice with its options (letters follow the order). */
export function QuestionEditor({ draft, onChange, disabled }: { draft: Draft; onChange: (d: Draft) => void; disabled: boolean }) {
  const setOptions = (texts: string[]) => onChange({ ...draft, options: texts.map((text, i): CaseOption => ({ letter: LETTERS[i]!, text })) });
  const texts = draft.options.map((o) => o.text);
  return (
    <fieldset className="question-editor" disabled={disabled}>
      <input className="case-title" aria-label="Case title" placeholder="Case title (optional)" value={draft.title} onChange={(e) => onChange({ ...draft, title: e.target.value })} />
      <textarea aria-label="Question" placeholder="Ask about the key images…" rows={3} value={draft.question} onChange={(e) => onChange({ ...draft, question: e.target.value })} />
      <div className="mode" role="radiogroup" aria-label="Question type">
        <label>
          <input type="radio" name="mode" checked={draft.mode === 'choice'} onChange={() => onChange({ ...draft, mode: 'choice' })} /> Multiple choice
        </label>
        <label>
          <input type="radio" name="mode" checked={draft.mode === 'free'} onChange={() => onChange({ ...draft, mode: 'free' })} /> Free text
        </label>
      </div>
      {draft.mode === 'choice' && (
        <ol className="options-editor" data-testid="options-editor">
          {texts.map((t, i) => (
            <li key={i}>
              <span className="option-letter">{LETTERS[i]}</span>
              <input aria-label={`Option ${LETTERS[i]}`} value={t} onChange={(e) => setOptions(texts.map((x, j) => (j === i ? e.target.value : x)))} />
              <button type="button" className="icon" aria-label={`Remove option ${LETTERS[i]}`} onClick={() => setOptions(texts.filter((_, j) => j !== i))} disabled={texts.length <= 2}>
                ✕
              </button>
            </li>
          ))}
          <li>
            <button type="button" onClick={() => setOptions([...texts, ''])} disabled={texts.length >= 10}>
              + Option
            </button>
          </li>
        </ol>
      )}
    </fieldset>
  );
}
