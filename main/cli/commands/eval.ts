import { parseArgs } from 'node:util';
import { DISCLAIMER } from '../../api/contract.js';
import { ApiError } from '../../api/errors.js';
import { resolveDataDir } from '../../app/data-dir.js';
import { fileLogger } from '../../app/log.js';
import { createEngine } from '../../engine/engine-client.js';
import type { Engine } from '../../engine/engine.js';
import { ModelPackageError } from '../../engine/manifest.js';
import { EP_CHOICES, isEpChoice } from '../../engine/providers.js';
import { DTYPE_CHOICES, isDtypeChoice } from '../../engine/variants.js';
import { readBench } from '../../eval/bench.js';
import { formatSummary } from '../../eval/metrics.js';
import { runEval } from '../../eval/run-eval.js';
import { openKnowledgeBase, type KnowledgeBase } from '../../kb/open.js';
import { UsageError, type Command } from '../command.js';

const USAGE = `medrwr eval BENCH.jsonl --model DIR [--kb DIR] [--no-retrieval] [--no-cdir] [--limit N] [--json]
            [--ep auto|cpu|cuda|dml|webgpu] [--dtype auto|fp32|fp16|q4|q4f16] [--max-new-tokens N] [--cdir-threshold P] [--data-dir DIR]
  BENCH.jsonl: one case a line, {"images": [paths relative to the file], "question", "options": [texts] (or "A. …" lines
  ending the question), "answer": "B" or "B. text", "split"?, "id"?}.
  --dtype: the model package's variant (default auto: q4f16 on a GPU provider, q4 on the CPU, else what it has).
  --no-retrieval: every query is answered "<retrieve> None </retrieve>". --no-cdir: CDIR never runs.
  Without --kb there is no retrieval and no CDIR.`;

function positive(name: string, v: string | undefined, integer: boolean, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > max || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be ${integer ? 'a positive integer' : 'a number in (0, 1]'}, got "${v}"`);
  return n;
}

function bar(done: number, total: number, correct: number, msPerCase: number): string {
  const width = 30;
  const fill = Math.round((done / total) * width);
  return `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total}  accuracy ${((100 * correct) / done).toFixed(1)}%  ${(msPerCase / 1000).toFixed(2)} s/case`;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Run a multiple-choice benchmark through the reasoning pipeline and report accuracy, calibration and CDIR.',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        model: { type: 'string' },
        kb: { type: 'string' },
        'no-retrieval': { type: 'boolean' },
        'no-cdir': { type: 'boolean' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        ep: { type: 'string', default: 'auto' },
        dtype: { type: 'string', default: 'auto' },
        'max-new-tokens': { type: 'string' },
        'cdir-threshold': { type: 'string' },
        'data-dir': { type: 'string' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('give one benchmark file (BENCH.jsonl)');
    if (!values.model) throw new UsageError('--model DIR is required');
    if (!isEpChoice(values.ep!)) throw new UsageError(`--ep must be one of ${EP_CHOICES.join(', ')}, got "${values.ep}"`);
    if (!isDtypeChoice(values.dtype!)) throw new UsageError(`--dtype must be one of ${DTYPE_CHOICES.join(', ')}, got "${values.dtype}"`);
    const limit = positive('limit', values.limit, true, Number.MAX_SAFE_INTEGER);
    const maxNewTokens = positive('max-new-tokens', values['max-new-tokens'], true, 32768);
    const cdirThreshold = positive('cdir-threshold', values['cdir-threshold'], false, 1);
    const cases = readBench(positionals[0]!).slice(0, limit);

    const dataDir = resolveDataDir(values['data-dir']);
    const logger = fileLogger(dataDir, false);
    const ac = new AbortController();
    const onSigint = () => ac.abort();
    process.once('SIGINT', onSigint);
    let engine: Engine | null = null;
    let kb: KnowledgeBase | null = null;
    try {
      try {
        engine = await createEngine({ modelDir: values.model, ep: values.ep as 'auto', dtype: values.dtype }, logger);
      } catch (err) {
        if (err instanceof ModelPackageError) throw new ApiError('unavailable', err.message);
        throw err;
      }
      if (values.kb) kb = await openKnowledgeBase(values.kb);
      const textRetriever = values['no-retrieval'] ? null : (kb?.retriever ?? null);
      const imageRetriever = values['no-cdir'] ? null : (kb?.images ?? null);
      const tty = process.stderr.isTTY === true;
      let correct = 0;
      let ms = 0;
      const { outcomes, summary } = await runEval(
        cases,
        {
          engine,
          textRetriever,
          imageRetriever,
          signal: ac.signal,
          onCase(done, total, o) {
            correct += o.predicted === o.answer ? 1 : 0;
            ms += o.ms;
            const line = bar(done, total, correct, ms / done);
            if (tty) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
            else if (done === total || done % Math.max(1, Math.round(total / 10)) === 0) process.stderr.write(line + '\n');
          },
        },
        { ...(maxNewTokens ? { maxNewTokens } : {}), ...(cdirThreshold ? { cdirThreshold } : {}) },
      );
      const label = `${engine.info.modelId}${engine.info.dtype === 'fp32' ? '' : ` ${engine.info.dtype}`}${textRetriever ? '' : ', no retrieval'}${imageRetriever ? '' : ', no CDIR'}`;
      const setup = {
        bench: positionals[0],
        model: { id: engine.info.modelId, version: engine.info.version, sha256: engine.info.sha256, synthetic: engine.info.synthetic, provider: engine.info.provider, dtype: engine.info.dtype },
        kb: kb ? { id: kb.manifest.id, version: kb.manifest.version } : null,
        retrieval: textRetriever !== null,
        cdir: imageRetriever !== null,
      };
      if (values.json) process.stdout.write(JSON.stringify({ disclaimer: DISCLAIMER, setup, summary, cases: outcomes }) + '\n');
      else process.stdout.write(`${formatSummary(summary, label)}\n${DISCLAIMER}.\n`);
      return ac.signal.aborted ? 130 : 0;
    } finally {
      process.off('SIGINT', onSigint);
      await kb?.close();
      await engine?.close();
    }
  },
};
