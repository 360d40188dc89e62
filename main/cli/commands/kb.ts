import { parseArgs } from 'node:util';
import { ApiError } from '../../api/errors.js';
import { addImages } from '../../kb/image-library.js';
import { buildKnowledgeBase } from '../../kb/build.js';
import { readKbManifest } from '../../kb/kb-manifest.js';
import { SEARCH_MODES, type SearchMode } from '../../kb/local-retriever.js';
import { openKnowledgeBase } from '../../kb/open.js';
import { RemoteTextRetriever } from '../../kb/remote-retriever.js';
import { verifyKnowledgeBase } from '../../kb/verify.js';
import type { Passage } from '../../kb/retriever.js';
import { UsageError, type Command } from '../command.js';
import { IMPORT_FAISS_USAGE, importFaissCmd } from './kb-import-faiss.js';

const USAGE = `medrwr kb build SRC… --encoder DIR --out KB [--chunk-words N] [--batch-size N] [--id ID] [--version V] [--force]
       ${IMPORT_FAISS_USAGE}
       medrwr kb search KB "query" [--k 3] [--mode hybrid|dense|bm25|trigram] [--source S]… [--json]
       medrwr kb search --remote URL "query" [--k 3] [--json]
       medrwr kb info KB [--json]
       medrwr kb verify KB
       medrwr kb add-images KB IMAGES… --captions FILE --encoder DIR`;

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

async function build(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { encoder: { type: 'string' }, out: { type: 'string' }, 'chunk-words': { type: 'string' }, 'batch-size': { type: 'string' }, id: { type: 'string' }, version: { type: 'string' }, force: { type: 'boolean' } },
  });
  if (positionals.length === 0) throw new UsageError('give at least one source (knowledge_base.tsv, .jsonl, a Markdown folder)');
  if (!values.encoder) throw new UsageError('--encoder DIR is required (e.g. models/encoders/wordnet-med)');
  if (!values.out) throw new UsageError('--out KB is required');
  const chunkWords = positiveInt('chunk-words', values['chunk-words']);
  const batchSize = positiveInt('batch-size', values['batch-size']);
  const r = await buildKnowledgeBase({
    sources: positionals,
    encoderDir: values.encoder,
    out: values.out,
    ...(chunkWords ? { chunkWords } : {}),
    ...(batchSize ? { batchSize } : {}),
    ...(values.id ? { id: values.id } : {}),
    ...(values.version ? { version: values.version } : {}),
    force: values.force ?? false,
  });
  process.stdout.write(`${r.dir}\n`);
  return 0;
}

function printPassages(passages: Passage[]): void {
  if (passages.length === 0) process.stdout.write('No passages found.\n');
  for (const p of passages) {
    const s = p.scores;
    const scores = [s.fused !== undefined ? `fused ${s.fused.toFixed(4)}` : '', s.dense !== undefined ? `dense ${s.dense.toFixed(3)}` : '', s.bm25 !== undefined ? `bm25 ${s.bm25.toFixed(2)}` : ''].filter(Boolean).join(', ');
    process.stdout.write(`(${p.rank}) ${p.id}${p.title ? ` · ${p.title}` : ''}${p.source ? ` [${p.source}]` : ''}${scores ? `  {${scores}}` : ''}\n    ${p.text}\n`);
  }
}

async function search(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { k: { type: 'string', default: '3' }, mode: { type: 'string', default: 'hybrid' }, source: { type: 'string', multiple: true }, json: { type: 'boolean' }, remote: { type: 'string' }, timeout: { type: 'string' } },
  });
  const k = positiveInt('k', values.k)!;
  if (!SEARCH_MODES.includes(values.mode as SearchMode)) throw new UsageError(`--mode must be hybrid, dense, bm25 or trigram, got "${values.mode}"`);
  let passages: Passage[];
  if (values.remote) {
    if (positionals.length !== 1) throw new UsageError('with --remote URL give exactly one query');
    const timeout = positiveInt('timeout', values.timeout);
    passages = await new RemoteTextRetriever(values.remote, timeout ? { timeoutMs: timeout * 1000 } : {}).search(positionals[0]!, k);
  } else {
    if (positionals.length !== 2) throw new UsageError('give the knowledge base folder and one query');
    const kb = await openKnowledgeBase(positionals[0]!);
    try {
      passages = await kb.search(positionals[1]!, { k, mode: values.mode as SearchMode, ...(values.source ? { sources: values.source } : {}) });
    } finally {
      await kb.close();
    }
  }
  if (values.json) process.stdout.write(JSON.stringify(passages, null, 2) + '\n');
  else printPassages(passages);
  return 0;
}

async function info(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('give one knowledge base folder');
  const m = readKbManifest(positionals[0]!);
  if (values.json) {
    process.stdout.write(JSON.stringify(m, null, 2) + '\n');
    return 0;
  }
  const lines = [
    `${m.id} ${m.version} (${m.format}), built ${m.built}`,
    `passages ${m.counts.passages} from ${m.counts.documents} documents, chunks of ≥ ${m.chunking.words} words`,
    `sources: ${Object.entries(m.counts.sources).map(([s, n]) => `${s} ${n}`).join(', ')}`,
    `embedder ${m.embedder.id} ${m.embedder.version} sha256 ${m.embedder.sha256}, dimension ${m.dimension}, ${m.metric}`,
    m.index === 'flat' ? 'dense search: exact over every vector (flat)' : `HNSW M=${m.hnsw.m} efConstruction=${m.hnsw.efConstruction} efSearch=${m.hnsw.efSearch}`,
    ...(m.imported ? [`vectors imported from ${m.imported.type} ${m.imported.file} (${m.imported.fourcc}, ${m.imported.metric}, ${m.imported.vectors} vectors), not re-embedded; ${m.imported.checked.sample ? `${m.imported.checked.sample} passages re-embedded, cosine ≥ ${m.imported.checked.minCosine!.toFixed(4)}` : 'not checked against the encoder'}`] : []),
    ...(m.skipped ? [`${m.skipped.count} bad source lines skipped: ${m.skipped.lines.slice(0, 5).map((l) => `${l.source}:${l.line} ${l.reason}`).join('; ')}${m.skipped.count > 5 ? '; …' : ''}`] : []),
    m.images ? `image library: ${m.images.count} images, embedder ${m.images.embedder.id} (dimension ${m.images.dimension})` : 'image library: none',
    ...Object.entries(m.files).map(([f, d]) => `  ${f}  ${d.bytes} bytes  sha256 ${d.sha256}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

async function verify(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new UsageError('give one knowledge base folder');
  try {
    const r = await verifyKnowledgeBase(positionals[0]!);
    const m = r.manifest;
    process.stdout.write(`OK: ${m.id} ${m.version}: ${r.files} files match the manifest, embedder ${m.embedder.id} matches, ${r.passages} passages${m.images ? `, ${r.images} images decoded` : ''}; databases pass SQLite's integrity check.\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    process.stdout.write(`NOT OK: ${err.message}\n`);
    return 1;
  }
}

async function addImagesCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { captions: { type: 'string' }, encoder: { type: 'string' } } });
  if (positionals.length < 2) throw new UsageError('give the knowledge base folder and at least one image file or folder');
  if (!values.captions) throw new UsageError('--captions FILE is required (JSONL {image, caption, source?} or TSV image<TAB>caption)');
  if (!values.encoder) throw new UsageError('--encoder DIR is required (e.g. models/encoders/thumbnail-image)');
  await addImages({ kbDir: positionals[0]!, images: positionals.slice(1), captions: values.captions, encoderDir: values.encoder });
  return 0;
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = { build, 'import-faiss': importFaissCmd, search, info, verify, 'add-images': addImagesCmd };

export const kb: Command = {
  name: 'kb',
  summary: 'Knowledge bases: build, import-faiss, search, info, verify, add-images.',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    const run = sub ? SUBCOMMANDS[sub] : undefined;
    if (!run) throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'give a subcommand');
    return run(rest);
  },
};
