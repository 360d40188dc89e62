// Retrieve throughput from a PACS: a 500-instance CT study (512×512, 16-bit: ~0.5 MB each) stored in a loopback
// Orthanc with DICOMweb, fetched by pacs.retrieve (WADO-RS: the series in one multipart stream) into the data directory, then
// indexed. Figures: instances/s and MB/s of the transfer, and the whole retrieve including indexing.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RetrieveReport } from '../main/api/pacs.js';
import { createAppContext } from '../main/app/create.js';
import { dispatch } from '../main/app/dispatch.js';
import { closeServices } from '../main/app/services.js';
import { retrieveFinished } from '../main/pacs/retrieve.js';
import { startOrthanc } from '../test/support/orthanc.js';
import { syntheticStudy } from '../test/support/synthetic-dicom.js';

const N = Number(process.env.BENCH_PACS_INSTANCES ?? 500);
const SIZE = Number(process.env.BENCH_PACS_SIZE ?? 512);
const orthanc = await startOrthanc();
const ctx = createAppContext({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-bench-pacs-')), transport: 'web' });
try {
  const study = syntheticStudy({ patientName: 'BENCH^PACS', patientId: 'BENCH', birthDate: '19700101', accessionNumber: 'BENCH', studyDate: '20250101', modality: 'CT', series: 1, instancesPerSeries: N, size: SIZE });
  await orthanc.store(study.files);
  const node = (await dispatch(ctx, 'pacs.saveNode', { name: 'bench', url: orthanc.dicomWeb, auth: { kind: 'none' } })) as { id: string };
  let transferMs = 0;
  const t0 = performance.now();
  const { taskId } = (await dispatch(ctx, 'pacs.retrieve', { nodeId: node.id, studyInstanceUid: study.studyUid })) as { taskId: string };
  const off = ctx.events.subscribe((e) => {
    if (e.taskId === taskId && e.type === 'progress' && e.done === N) transferMs ||= performance.now() - t0;
  });
  const report = (await retrieveFinished(ctx, taskId)) as RetrieveReport;
  const totalMs = performance.now() - t0;
  off();
  if (report.state !== 'completed' || report.fetched !== N) throw new Error(`retrieve did not complete: ${JSON.stringify(report)}`);
  const mb = report.bytes / 1e6;
  const cpu = cpus();
  process.stdout.write(
    [
      `PACS retrieve (WADO-RS from Orthanc 1.10 + DICOMweb plugin on loopback, through its namespace relay), machine: ${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores`,
      `${N} instances of ${SIZE}×${SIZE} 16-bit, ${mb.toFixed(1)} MB`,
      `transfer: ${(N / (transferMs / 1000)).toFixed(0)} instances/s, ${(mb / (transferMs / 1000)).toFixed(1)} MB/s (${(transferMs / 1000).toFixed(2)} s)`,
      `with indexing and thumbnails: ${(N / (totalMs / 1000)).toFixed(0)} instances/s (${(totalMs / 1000).toFixed(2)} s)`,
    ].join('\n') + '\n',
  );
} finally {
  await closeServices(ctx);
  rmSync(ctx.dataDir, { recursive: true, force: true });
  await orthanc.stop();
}
