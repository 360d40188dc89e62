import { parseArgs } from 'node:util';
import { importFaiss } from '../../kb/import-faiss.js';
import { UsageError } from '../command.js';

export const IMPORT_FAISS_USAGE = 'medrwr kb import-faiss knowledge_base.bin --passages knowledge_base.tsv --encoder DIR --out KB [--index flat|hnsw] [--check N] [--id ID] [--version V] [--force]';

/** medrwr kb import-faiss: the published FAISS index and its TSV as a knowledge base, vectors copied as they are. */
export async function importFaissCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { passages: { type: 'string' }, encoder: { type: 'string' }, out: { type: 'string' }, check: { type: 'string' }, index: { type: 'string', default: 'flat' }, id: { type: 'string' }, version: { type: 'string' }, force: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('give one FAISS index file (knowledge_base.bin)');
  if (!values.passages) throw new UsageError('--passages knowledge_base.tsv is required (line n holds the passage of FAISS id n - 1)');
  if (!values.encoder) throw new UsageError('--encoder DIR is required: the encoder that made the vectors (BGE-M3 for Med-RwR)');
  if (!values.out) throw new UsageError('--out KB is required');
  let checkSample: number | undefined;
  if (values.check !== undefined) {
    checkSample = Number(values.check);
    if (!Number.isInteger(checkSample) || checkSample < 0) throw new UsageError(`--check must be a whole number of passages (0 skips the check), got "${values.check}"`);
  }
  if (values.index !== 'flat' && values.index !== 'hnsw') throw new UsageError(`--index must be flat (exact, as the reference) or hnsw, got "${values.index}"`);
  const r = await importFaiss({
    denseIndex: values.index,
    index: positionals[0]!,
    passages: values.passages,
    encoderDir: values.encoder,
    out: values.out,
    ...(checkSample !== undefined ? { checkSample } : {}),
    ...(values.id ? { id: values.id } : {}),
    ...(values.version ? { version: values.version } : {}),
    force: values.force ?? false,
  });
  process.stdout.write(`${r.dir}\n`);
  return 0;
}
