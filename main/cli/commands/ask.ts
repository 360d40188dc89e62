import { parseArgs } from 'node:util';
import { DISCLAIMER } from '../../api/contract.js';
import { ApiError } from '../../api/errors.js';
import type { AppEvent } from '../../api/events.js';
import { resolveDataDir } from '../../app/data-dir.js';
import { EventBus } from '../../app/event-bus.js';
import { fileLogger } from '../../app/log.js';
import { loadImageFile } from '../../dicom/load-image.js';
import { createEngine } from '../../engine/engine-client.js';
import type { Engine } from '../../engine/engine.js';
import { ModelPackageError } from '../../engine/manifest.js';
import { EP_CHOICES, isEpChoice, type EpChoice } from '../../engine/providers.js';
import { DTYPE_CHOICES, isDtypeChoice } from '../../engine/variants.js';
import { openKnowledgeBase, type KnowledgeBase } from '../../kb/open.js';
import type { ReasoningParams } from '../../reasoning/params.js';
import { runReasoning } from '../../reasoning/run.js';
import { UsageError, type Command } from '../command.js';

const USAGE = `medrwr ask --model DIR --image FILE [--image FILE]… --question TEXT [--option "A. …"]… [--kb DIR]
            [--no-retrieval] [--no-cdir] [--ep auto|cpu|cuda|dml|webgpu] [--dtype auto|fp32|fp16|q4|q4f16] [--max-new-tokens N] [--cdir-threshold P] [--json] [--data-dir DIR]
  Images: PNG, JPEG or DICOM (first frame, its default window). --json prints one object (events, answer, provenance, timings)
  on stdout and streams the tokens to stderr.`;


function number(name: string, v: string | undefined, min: number, max: number, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got "${v}"`);
  return n;
}

/** Human output: the reasoning streams with its tags set apart; queries and evidence get their own blocks. */
function printer(out: NodeJS.WriteStream, tty: boolean) {
  const tag = (s: string) => (tty ? s.replace(/<\/?(think|query|retrieve|answer)>/g, (t) => `\x1b[1;36m${t}\x1b[0m`) : s);
  let round = -1;
  return (e: AppEvent) => {
    switch (e.type) {
      case 'token':
        if (e.round !== round) {
          round = e.round;
          out.write(`\n── round ${round + 1} ──\n`);
        }
        out.write(tag(e.text));
        break;
      case 'query':
        out.write(`\n── query: ${e.query}\n`);
        break;
      case 'evidence':
        out.write(e.passages.length ? e.passages.map((p) => `   [${p.rank}] ${p.text.length > 160 ? p.text.slice(0, 157) + '…' : p.text}${p.source ? ` (${p.source})` : ''}\n`).join('') : '   (no passages: None)\n');
        round = -1;
        break;
      case 'cdir':
        out.write(
          e.stage === 'triggered'
            ? `\n── CDIR: confidence ${e.before.toFixed(3)} < ${e.threshold}; ${e.similar ? `similar image ${e.similar.id} (${e.similar.score.toFixed(3)}): ${e.similar.caption}` : 'no similar image'}\n`
            : `\n── CDIR resolved: ${e.letterBefore ?? '–'} (${e.before.toFixed(3)}) → ${e.letterAfter ?? '–'} (${e.after?.toFixed(3) ?? '–'})\n`,
        );
        round = -1;
        break;
      case 'notice':
        process.stderr.write(`[${e.level}] ${e.message}\n`);
        break;
      case 'error':
        process.stderr.write(`[error] ${e.message}\n`);
        break;
      default:
    }
  };
}

export const ask: Command = {
  name: 'ask',
  summary: 'Ask the model a question about images (Med-RwR reasoning with retrieval and CDIR), streaming its trace.',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        model: { type: 'string' },
        image: { type: 'string', multiple: true },
        question: { type: 'string' },
        option: { type: 'string', multiple: true },
        kb: { type: 'string' },
        'no-retrieval': { type: 'boolean' },
        'no-cdir': { type: 'boolean' },
        ep: { type: 'string', default: 'auto' },
        dtype: { type: 'string', default: 'auto' },
        'max-new-tokens': { type: 'string' },
        'cdir-threshold': { type: 'string' },
        json: { type: 'boolean' },
        'data-dir': { type: 'string' },
      },
    });
    if (!values.model) throw new UsageError('--model DIR is required');
    if (!values.image?.length) throw new UsageError('give at least one --image FILE');
    if (!values.question?.trim()) throw new UsageError('--question TEXT is required');
    if (!isDtypeChoice(values.dtype!)) throw new UsageError(`--dtype must be one of ${DTYPE_CHOICES.join(', ')}, got "${values.dtype}"`);
    const overrides: Partial<ReasoningParams> = {
      retrieval: !values['no-retrieval'],
      cdir: !values['no-cdir'],
      maxNewTokens: number('max-new-tokens', values['max-new-tokens'], 1, 32768, true),
      cdirThreshold: number('cdir-threshold', values['cdir-threshold'], 0, 1, false),
    };
    const dataDir = resolveDataDir(values['data-dir']);
    const logger = fileLogger(dataDir, false);
    const bus = new EventBus();
    const json = values.json === true;
    const early: string[] = [];
    let ep: EpChoice = 'auto';
    if (isEpChoice(values.ep!)) ep = values.ep as EpChoice;
    else {
      ep = 'cpu';
      early.push(`unknown execution provider "${values.ep}" (expected ${EP_CHOICES.join(', ')}); running on CPU`);
    }
    const images = await Promise.all(values.image.map(loadImageFile));

    const ac = new AbortController();
    const onSigint = () => ac.abort();
    process.once('SIGINT', onSigint);
    let engine: Engine | null = null;
    let kb: KnowledgeBase | null = null;
    const t0 = performance.now();
    try {
      try {
        engine = await createEngine({ modelDir: values.model, ep, dtype: values.dtype }, logger);
      } catch (err) {
        if (err instanceof ModelPackageError) throw new ApiError('unavailable', err.message);
        throw err;
      }
      const loadMs = performance.now() - t0;
      if (values.kb && overrides.retrieval) kb = await openKnowledgeBase(values.kb);
      const taskId = `ask-${Date.now().toString(36)}`;
      const show = printer(json ? process.stderr : process.stdout, !json && process.stdout.isTTY === true);
      const all: AppEvent[] = [];
      bus.subscribe((e) => {
        all.push(e);
        show(e);
        if (e.type === 'notice') logger.log('warn', e.message, { taskId });
      });
      for (const message of early) bus.emit({ type: 'notice', taskId, level: 'warning', message });
      const result = await runReasoning(
        { taskId, images, question: values.question, options: values.option ?? [] },
        { engine, textRetriever: kb?.retriever ?? null, imageRetriever: kb?.images ?? null, emit: (d) => bus.emit(d), signal: ac.signal },
        overrides,
      );
      if (json) {
        process.stderr.write('\n');
        process.stdout.write(
          JSON.stringify({
            disclaimer: DISCLAIMER,
            status: result.status,
            ...(result.error ? { error: result.error } : {}),
            question: values.question,
            options: values.option ?? [],
            images: values.image.map((file, i) => ({ file, width: images[i]!.width, height: images[i]!.height })),
            answer: result.answer,
            initialAnswer: result.initialAnswer,
            transcript: result.transcript,
            provenance: result.provenance,
            timings: { ...result.timings, modelLoadMs: loadMs },
            events: all,
          }) + '\n',
        );
      } else {
        const a = result.answer;
        const dist = a ? Object.entries(a.distribution).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ') : '';
        process.stdout.write(
          `\n\nAnswer: ${a?.letter ?? '(none)'}${a?.confidence != null ? `  confidence ${a.confidence.toFixed(3)}` : ''}${dist ? `  [${dist}]` : ''}\n` +
            `Model: ${result.provenance.model.id} ${result.provenance.model.version}${result.provenance.model.synthetic ? ' (synthetic)' : ''} on ${result.provenance.executionProvider.toUpperCase()}; ` +
            `KB: ${result.provenance.kb.kind === 'none' ? 'none' : `${result.provenance.kb.id} ${result.provenance.kb.version}`}; ${result.timings.generatedTokens} tokens in ${(result.timings.totalMs / 1000).toFixed(2)} s\n` +
            `${DISCLAIMER}.\n`,
        );
      }
      return result.status === 'completed' ? 0 : result.status === 'cancelled' ? 130 : 1;
    } finally {
      process.off('SIGINT', onSigint);
      await kb?.close();
      await engine?.close();
    }
  },
};
