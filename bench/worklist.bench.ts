// The worklist at 10,000 studies: studies.list through the contract (validated as the transports do), its size on the
// wire, and the client-side search / filter / row flattening the renderer runs on every keystroke.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PatientSummary } from '../main/api/studies.js';
import { createAppContext } from '../main/app/create.js';
import { dispatch } from '../main/app/dispatch.js';
import { closeServices } from '../main/app/services.js';
import { seedSyntheticStudies } from '../main/dicom/testing/synthetic-studies.js';
import { filterWorklist, NO_QUERY, worklistRows } from '../renderer/src/studies/worklist.js';

const N = Number(process.env.BENCH_STUDIES ?? 10_000);
const RUNS = 20;
const ctx = createAppContext({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-bench-worklist-')), transport: 'web' });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = (f: () => unknown) => {
  const t = performance.now();
  f();
  return performance.now() - t;
};
try {
  seedSyntheticStudies(ctx, N);
  const listMs: number[] = [];
  let patients: PatientSummary[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    ({ patients } = (await dispatch(ctx, 'studies.list', {})) as { patients: PatientSummary[] });
    listMs.push(performance.now() - t);
  }
  const bytes = Buffer.byteLength(JSON.stringify({ patients }));
  const queries = {
    'no filter': NO_QUERY,
    'text "patient 0249"': { ...NO_QUERY, text: 'patient 0249' },
    'modality MR, one month': { ...NO_QUERY, modality: 'MR', from: '2026-03-01', to: '2026-03-31' },
    'sort by name': { ...NO_QUERY, sort: 'name' as const },
  };
  const lines = Object.entries(queries).map(([label, q]) => {
    const ms = Array.from({ length: RUNS }, () => time(() => worklistRows(filterWorklist(patients, q), () => false)));
    return `filter + rows (${label}): median ${median(ms).toFixed(1)} ms`;
  });
  process.stdout.write(
    [
      `worklist at ${N} studies (${patients.length} patients), machine: ${cpus()[0]?.model ?? 'unknown cpu'} × ${cpus().length}, Node ${process.versions.node}`,
      `studies.list: median ${median(listMs).toFixed(0)} ms over 5, ${(bytes / 2 ** 20).toFixed(1)} MiB of JSON`,
      ...lines,
    ].join('\n') + '\n',
  );
} finally {
  await closeServices(ctx);
  rmSync(ctx.dataDir, { recursive: true, force: true });
}
