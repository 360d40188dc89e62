import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../api/events.js';
import { dispatch } from '../app/dispatch.js';
import { closeServices } from '../app/services.js';
import { projectRoot } from '../app/paths.js';
import { testContext } from './testing/fixtures.js';
import { pdfText } from './testing/pdf-text.js';

// The whole loop on real parts: a real DICOM file imported by main/dicom, the fixture model (random weights) in the
// engine worker, the reasoning state machine, the case store and the report writers.
const CT = join(projectRoot(), 'test-data/deb/python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm');
const ctx = testContext();
afterAll(() => closeServices(ctx));

const call = (name: string, params: unknown) => dispatch(ctx, name, params) as Promise<Record<string, unknown>>;
function waitFor(taskId: string, type: AppEvent['type']): Promise<AppEvent> {
  return new Promise((resolve) => {
    const off = ctx.events.subscribe((e) => {
      if (e.taskId === taskId && e.type === type) {
        off();
        resolve(e);
      }
    });
  });
}

describe('a case run end to end on the fixture model', () => {
  it('imports a CT, runs a question on its key image, stores the events and exports a de-identified report', { timeout: 180_000 }, async () => {
    expect(existsSync(CT), `test data missing: run scripts/fetch-test-data (${CT})`).toBe(true);
    const { taskId } = await call('studies.import', { paths: [CT] });
    await waitFor(taskId as string, 'done');
    const { patients } = (await call('studies.list', {})) as unknown as { patients: { name: string; patientId: string; studies: { series: { seriesInstanceUid: string }[] }[] }[] };
    const patient = patients[0]!;
    const series = patient.studies[0]!.series[0]!;
    const { instances } = (await call('series.instances', { seriesInstanceUid: series.seriesInstanceUid })) as unknown as { instances: { sopInstanceUid: string }[] };
    const sop = instances[0]!.sopInstanceUid;

    await call('settings.set', { modelDir: 'models/fixtures/tiny-random', kb: { kind: 'none' }, executionProvider: 'cpu' });
    const c = await call('cases.create', {
      question: 'What does this CT show?',
      options: [{ letter: 'A', text: 'Normal' }, { letter: 'B', text: 'Fracture' }],
      keyImages: [{ sopInstanceUid: sop, frame: 0, window: { center: 40, width: 400 }, invert: false, label: 'CT small' }],
    });
    const caseId = c.id as string;
    const seen: AppEvent[] = [];
    ctx.events.subscribe((e) => seen.push(e));
    const { runId } = await call('cases.run', { caseId, settings: { rounds: 1 } });
    const done = await waitFor(runId as string, 'done');
    const stored = ((await call('cases.get', { caseId })) as unknown as { runs: { status: string; events: AppEvent[]; provenance: { model: { id: string } } }[] }).runs[0]!;
    expect(done, JSON.stringify(stored.events.filter((e) => e.type === 'error'))).toMatchObject({ status: 'completed' });
    expect(stored.status).toBe('completed');
    expect(stored.events).toEqual(seen.filter((e) => e.taskId === runId));
    expect(stored.events.filter((e) => e.type === 'token').length).toBeGreaterThan(0);
    expect(stored.events.map((e) => e.type)).toEqual(expect.arrayContaining(['run', 'token', 'answer', 'summary', 'done']));
    expect(stored.provenance.model.id).toBe('medrwr-tiny-random');

    for (const format of ['html', 'pdf'] as const) {
      const plain = (await call('reports.export', { caseId, format })) as { data: string; encoding: BufferEncoding };
      const deid = (await call('reports.export', { caseId, format, deidentify: true })) as { data: string; encoding: BufferEncoding };
      const text = (r: { data: string; encoding: BufferEncoding }) => (format === 'pdf' ? pdfText(Buffer.from(r.data, 'base64')) : r.data);
      expect(text(plain)).toContain(patient.patientId);
      if (format === 'html') {
        expect(text(plain)).toMatch(/<img alt="Key image 1" src="data:image\/png;base64,/);
      }
      expect(text(deid)).not.toContain(patient.patientId);
      expect(text(deid)).not.toContain(patient.name.split('^')[0]!);
      expect(text(deid)).not.toContain(sop);
    }
  });
});
