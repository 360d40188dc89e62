/**
 * Whether a model output holds a usable answer (medrwr-protocol.md §2.3, the reference's format reward), and if not,
 * why, in words a clinician can read. One check for the live run, the stored trace, the reports and `medrwr eval`.
 *
 * The grammar: only the four tag pairs, closed and not nested, `<retrieve>` only right after a `<query>`, exactly one
 * `<answer> … </answer>` and nothing after it; for a multiple-choice question its first word is an offered letter.
 */
export type AnswerValidity = { readonly valid: true; readonly letter: string | null; readonly text: string } | { readonly valid: false; readonly reason: string };

const TAGS = new Set(['think', 'query', 'retrieve', 'answer']);
/** What each tag's section is called on screen and in reports. */
const SECTION: Record<string, string> = { think: 'reasoning', query: 'query', retrieve: 'evidence', answer: 'answer' };
const A_SECTION: Record<string, string> = { think: 'a reasoning', query: 'a query', retrieve: 'an evidence', answer: 'an answer' };

/** `letters`: the offered option letters; empty for a free-text question. */
export function answerValidity(output: string, letters: readonly string[]): AnswerValidity {
  const text = output.replace(/<\|im_end\|>\s*$/, '').trim();
  if (!text) return invalid('the model produced no output');
  let open: string | null = null;
  let last = '';
  let answers = 0;
  let answerStart = -1;
  let answerEnd = -1;
  for (const m of text.matchAll(/<(\/?)([a-z_]+)>/g)) {
    const [tag, slash, name] = [m[0], m[1], m[2]!];
    if (open === 'retrieve' && !(slash && name === 'retrieve')) continue; // retrieved text is not the model's
    if (!TAGS.has(name)) {
      if (name === 'image') continue; // CDIR's consultation turn names the reference image literally
      return invalid(`the output contains an unexpected tag ${tag}`);
    }
    if (!slash) {
      if (open) return invalid(`${A_SECTION[name]} section starts inside the unfinished ${SECTION[open]} section`);
      if (name === 'retrieve' && last !== 'query') return invalid('evidence appears without a query');
      if (name === 'answer') {
        answers++;
        answerStart = m.index + tag.length;
      }
      open = name;
    } else {
      if (open !== name) return invalid(`the output closes ${A_SECTION[name]} section that is not open`);
      open = null;
      last = name;
      if (name === 'answer') answerEnd = m.index;
    }
  }
  if (answers > 1) return invalid(`the output has ${answers} answer sections`);
  if (answers === 0) return invalid(open ? `the ${SECTION[open]} section is never closed and no answer follows` : 'the output has no answer section');
  if (open === 'answer') return invalid('the answer section is not closed (the output stops inside it)');
  if (open) return invalid(`the ${SECTION[open]} section is never closed`);
  if (text.slice(answerEnd + '</answer>'.length).trim()) return invalid('the output goes on after the answer section');
  const inner = text.slice(answerStart, answerEnd).trim();
  if (!inner) return invalid('the answer section is empty');
  if (letters.length === 0) return { valid: true, letter: null, text: inner };
  const word = inner.split(/\s+/)[0]!.replace(/[.):]/g, '');
  const offered = listLetters(letters);
  if (!/^[A-Za-z]$/.test(word)) return invalid(`the answer “${clip(inner)}” is not one of the option letters ${offered}`);
  const letter = word.toUpperCase();
  if (!letters.includes(letter)) return invalid(`the answer “${letter}” is not one of the offered options ${offered}`);
  return { valid: true, letter, text: inner };
}

function invalid(reason: string): AnswerValidity {
  return { valid: false, reason };
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > 60 ? one.slice(0, 57) + '…' : one;
}

function listLetters(letters: readonly string[]): string {
  return letters.length > 2 && letters.every((l, i) => i === 0 || l.charCodeAt(0) === letters[i - 1]!.charCodeAt(0) + 1) ? `${letters[0]}–${letters[letters.length - 1]}` : letters.join(', ');
}
