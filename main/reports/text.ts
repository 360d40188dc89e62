import { pct } from '../api/assessment.js';
import { ageAt, formatDicomDate, formatPersonName, formatSex, formatTimestamp } from '../api/format.js';
import type { EvidencePassage } from '../api/run-events.js';
import type { Cdir, Trace } from '../api/trace.js';
import type { ReportImage, ReportModel } from './model.js';

/*
 * What the report says, as words, shared by the HTML and PDF writers so the two carry the same content: they only
 * lay these out. Values are formatted here (names, DICOM dates, times in the reader's zone, 1-based frames).
 */

const VERDICT: Record<string, string> = {
  agree: 'Agrees with the answer',
  disagree: 'Disagrees with the answer',
  edit: 'Edited the answer',
};

/** The patient/study header printed at the top of every page, as label/value pairs (empty values left out). */
export function headerFields(m: ReportModel): [string, string][] {
  const p = m.patient;
  if (!p) return [['Patient', 'unknown (the key image is no longer in the studies database)']];
  const age = ageAt(p.birthDate, p.studyDate);
  const birth = p.birthDate ? `${formatDicomDate(p.birthDate)}${age === null ? '' : ` (age ${age} at the study)`}` : '';
  const rows: [string, string][] = [
    ['Patient', formatPersonName(p.name)],
    ['ID', p.id],
    ['Born', birth],
    ['Sex', formatSex(p.sex)],
    ['Accession', p.accessionNumber],
    ['Study date', p.studyDate ? formatDicomDate(p.studyDate) : ''],
    ['Modality', p.modality],
    ['Institution', p.institution],
  ];
  return rows.filter(([, v]) => v);
}

/** An ISO time stamp as the reader reads it: their zone, to the minute, the zone named. */
export function when(iso: string): string {
  return formatTimestamp(iso);
}

export function generatedLine(m: ReportModel): string {
  return `Case ${m.case.id} · generated ${when(m.generatedAt)}${m.deidentified ? ' · de-identified' : ''}${m.synthetic ? ' · synthetic data and/or model' : ''}`;
}

export function optionLine(o: { letter: string; text: string }): string {
  return `${o.letter}. ${o.text}`;
}

/** The caption beside a key image: its label, the 1-based frame, the display state, the instance. */
export function imageCaption(im: ReportImage, i: number): string[] {
  const k = im.key;
  return [
    k.label ?? `Key image ${i + 1}`,
    `Key image ${i + 1}, frame ${k.frame + 1}`,
    `Window ${num(k.window.width)}, level ${num(k.window.center)}${k.invert ? ', inverted' : ''}`,
    `SOP instance ${k.sopInstanceUid}`,
  ];
}

export const NO_MEASUREMENTS = 'No measurements recorded with this case.';

export function measurementLine(x: ReportModel['measurements'][number]): string {
  return `${x.label}: ${num(x.value)} ${x.unit} (${x.where})`;
}

/** The answer block: a headline and the lines under it. No confidence when the answer is not valid. */
export function answerLines(m: ReportModel): { headline: string; valid: boolean; lines: string[] } {
  const a = m.assessment;
  if (!a || !m.trace) return { headline: 'This case has not been run.', valid: false, lines: [] };
  if (!a.valid || !a.answer) {
    const reason = a.problem ?? (m.trace.status === 'running' ? 'the run has not finished' : `the run did not finish (${m.trace.status})`);
    return { headline: 'No valid answer', valid: false, lines: [`Reason: ${reason}.`, 'No confidence is given: the output cannot be read as an answer.'] };
  }
  const ans = a.answer;
  const letter = ans.letter ? `${ans.letter}. ` : '';
  return {
    headline: `${letter}${a.answerText ?? ans.text}`,
    valid: true,
    lines: [`Confidence ${pct(ans.confidence)}${ans.phase === 'cdir' ? ' (after CDIR)' : ''}`],
  };
}

/** The differential: every offered option with its name and probability at the first answer and after CDIR. */
export function differentialRows(m: ReportModel): { option: string; before: string; after: string }[] {
  if (!hasBefore(m) && !hasAfterCdir(m)) return [];
  return (m.assessment?.differential ?? []).map((r) => ({ option: optionLine(r), before: hasBefore(m) ? pct(r.before) : '—', after: hasAfterCdir(m) ? pct(r.after) : '—' }));
}

// Probabilities read off an output that is not a valid answer mean nothing (the issue's garbled "86.7%"): not shown.
function hasBefore(m: ReportModel): boolean {
  return m.trace?.answers.initial?.valid === true && (m.assessment?.differential ?? []).some((r) => r.before !== null);
}

/** Whether the differential has an "after CDIR" column: only when CDIR gave a valid second answer with a distribution. */
export function hasAfterCdir(m: ReportModel): boolean {
  return m.trace?.answers.cdir?.valid === true && (m.assessment?.differential ?? []).some((r) => r.after !== null);
}

/** "[1] Title — source, passage p1; KB demo-kb version 1". */
export function citation(p: EvidencePassage, m: ReportModel): string {
  const kb = m.trace?.provenance?.kb;
  const kbText = kb && kb.kind !== 'none' ? `; knowledge base ${kb.id} version ${kb.version || 'unknown'}` : '';
  return `[${p.rank}] ${p.title ? `${p.title} — ` : ''}${p.source ?? 'knowledge base'}, passage ${p.id}${kbText}`;
}

export function cdirLines(c: Cdir, m: ReportModel): string[] {
  const name = (l: string | null) => {
    const o = l ? m.case.options.find((x) => x.letter === l) : undefined;
    return o ? optionLine(o) : (l ?? 'no answer');
  };
  return [
    `The first answer's confidence ${pct(c.before)} was under the threshold ${pct(c.threshold)}, so the model looked again with the most similar reference image.`,
    `Before: ${name(c.letterBefore)} at ${pct(c.before)}.`,
    after(),
  ];
  function after(): string {
    const second = m.trace?.answers.cdir;
    if (second && !second.valid) return `After: no valid answer (${second.problem ?? 'the output could not be read'}); the first answer stands.`;
    if (c.changed === null) return 'After: pending.';
    if (c.after === null) return 'After: no second answer (no similar image was found); the first answer stands.';
    return `After: ${name(c.letterAfter)} at ${pct(c.after)} (answer ${c.changed ? 'changed' : 'unchanged'}).`;
  }
}

/** The attestation: the reader's review of the reported run, or "Not reviewed". */
export function attestation(m: ReportModel): { status: string; lines: string[] } {
  const r = m.review;
  if (!r) return { status: 'Not reviewed', lines: [] };
  const lines = [`Reviewed by ${r.user} on ${when(r.at)}.`];
  if (r.editedAnswer) lines.push(`Reader's answer: ${r.editedAnswer}`);
  if (r.note) lines.push(`Note: ${r.note}`);
  return { status: VERDICT[r.verdict] ?? r.verdict, lines };
}

/** Provenance as label/value rows. */
export function provenanceRows(m: ReportModel): [string, string][] {
  const run = m.run;
  const p = run?.provenance;
  if (!run) return [];
  const rows: [string, string][] = [
    ['Run', `${run.id} (${run.status})`],
    ['Started', when(run.startedAt)],
    ['Ended', run.endedAt ? when(run.endedAt) : '—'],
  ];
  if (p) {
    rows.push(
      ['Model', `${p.model.id} ${p.model.version}${p.model.dtype ? ` ${p.model.dtype}` : ''}${p.model.synthetic ? ' (synthetic)' : ''}`],
      ['Model sha256', p.model.sha256],
      ['Knowledge base', p.kb.kind === 'none' ? 'none' : `${p.kb.id} ${p.kb.version} (${p.kb.kind})`],
      ...(p.kb.embedder ? ([['Embedder', `${p.kb.embedder.id} ${p.kb.embedder.version}, sha256 ${p.kb.embedder.sha256}`]] as [string, string][]) : []),
      ['Image library', p.imageLibrary ? `${p.imageLibrary.id} ${p.imageLibrary.version}` : 'none'],
      ['Execution provider', p.executionProvider],
      ['Parameters', Object.entries(p.params).map(([k, v]) => `${k}=${String(v)}`).join(', ')],
    );
  } else {
    rows.push(['Settings', Object.entries(run.params).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ')]);
  }
  return rows;
}

export function timingRows(t: Trace | null): [string, string][] {
  const tm = t?.timings;
  if (!tm) return [];
  return [
    ['Total time', `${Math.round(tm.totalMs)} ms`],
    ['First token', tm.firstTokenMs === null ? '—' : `${Math.round(tm.firstTokenMs)} ms`],
    ['Prefill / decode / retrieval', `${Math.round(tm.prefillMs)} / ${Math.round(tm.decodeMs)} / ${Math.round(tm.retrievalMs)} ms`],
    ['Generated tokens', `${tm.generatedTokens} in ${tm.rounds} round(s)`],
  ];
}

function num(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** One line for an answer section of the trace: the letter and option with the confidence, or why there is none. */
export function traceAnswerLine(m: ReportModel, phase: 'initial' | 'cdir'): string {
  const a = m.trace?.answers[phase];
  const label = phase === 'cdir' ? 'Answer after CDIR' : 'First answer';
  if (!a) return `${label}: none.`;
  if (!a.valid) return `${label}: no valid answer (${a.problem ?? 'the output could not be read'}).`;
  const o = a.letter ? m.case.options.find((x) => x.letter === a.letter) : undefined;
  return `${label}: ${o ? optionLine(o) : a.text}${a.confidence === null ? '' : ` (${pct(a.confidence)})`}.`;
}

/** Where CDIR stepped in, within the reasoning sections (the CDIR section has the images and numbers). */
export function cdirNotice(c: Cdir): string {
  return `CDIR: the first answer (${pct(c.before)}) was under the threshold ${pct(c.threshold)}; the model looked again with a similar reference image.`;
}
