import { describe, expect, it } from 'vitest';
import { ExportedReport } from '../api/cases.js';
import type { MeasurementInput } from '../api/measurements.js';
import { dispatch } from '../app/dispatch.js';
import { KEY_IMAGE, testContext } from '../cases/testing/fixtures.js';
import { pdfText } from '../cases/testing/pdf-text.js';
import { pseudonymUid } from './deidentify.js';
import type { ReportModel } from './model.js';
import { htmlText, indexInstance } from './testing/scripted-report.js';

const PATIENT = { key: 'p1', id: 'PID-1', name: 'DOE^JANE' };
const KEY_SOP = '1.2.826.0.1.3680043.10.543.91';
const OTHER_SOP = '1.2.826.0.1.3680043.10.543.92'; // another study of the same patient, not in the case

function measured(sop: string, patch: Partial<MeasurementInput>): MeasurementInput {
  return { uid: `ann-${Math.random()}`, studyInstanceUid: `${sop}.1`, seriesInstanceUid: `${sop}.2`, sopInstanceUid: sop, frame: 0, tool: 'Length', value: 1, unit: 'mm', geometry: { points: [[0, 0, 0], [1, 1, 1]] }, ...patch };
}

async function exported(ctx: ReturnType<typeof testContext>, caseId: string, format: 'html' | 'pdf' | 'json', deidentify = false) {
  return ExportedReport.parse(await dispatch(ctx, 'reports.export', { caseId, format, deidentify }));
}

describe("a case report lists the measurements made on its studies' images", () => {
  it('with value, unit and where (series, image), in HTML, PDF and JSON; those of other studies are left out', async () => {
    const ctx = testContext();
    indexInstance(ctx, PATIENT, KEY_SOP);
    indexInstance(ctx, PATIENT, OTHER_SOP);
    const c = ctx.services.cases.createCase({ question: 'Is the node enlarged?', options: [], keyImages: [{ ...KEY_IMAGE, sopInstanceUid: KEY_SOP }], synthetic: true });
    await dispatch(ctx, 'measurements.save', measured(KEY_SOP, { tool: 'Length', value: 23.456, unit: 'mm', label: 'Short axis' }));
    await dispatch(ctx, 'measurements.save', measured(KEY_SOP, { tool: 'EllipticalROI', value: 41.25, unit: 'HU', detail: 'SD 3.1, area 120.5 mm²' }));
    await dispatch(ctx, 'measurements.save', measured(KEY_SOP, { tool: 'Angle', value: 32.04, unit: '°' }));
    await dispatch(ctx, 'measurements.save', measured(OTHER_SOP, { value: 99.99, label: 'Elsewhere' }));

    const lines = ['Short axis: 23.46 mm (series 1 (CT), image 1)', 'Ellipse: mean 41.3 HU, SD 3.1, area 120.5 mm² (series 1 (CT), image 1)', 'Angle: 32.0° (series 1 (CT), image 1)'];
    const html = htmlText((await exported(ctx, c.id, 'html')).data);
    const pdf = pdfText(Buffer.from((await exported(ctx, c.id, 'pdf')).data, 'base64')).replace(/\s+/g, ' ');
    for (const text of [html, pdf]) {
      for (const line of lines) expect(text).toContain(line);
      expect(text).not.toContain('Elsewhere');
      expect(text).not.toContain('No measurements recorded');
    }
    const json = JSON.parse((await exported(ctx, c.id, 'json')).data) as ReportModel;
    expect(json.measurements).toEqual([
      { label: 'Short axis', tool: 'Length', value: 23.456, unit: 'mm', detail: '', where: 'series 1 (CT), image 1', studyInstanceUid: `${KEY_SOP}.1`, seriesInstanceUid: `${KEY_SOP}.2`, sopInstanceUid: KEY_SOP, frame: 0 },
      expect.objectContaining({ label: 'Ellipse', tool: 'EllipticalROI', value: 41.25, unit: 'HU' }),
      expect.objectContaining({ label: 'Angle', tool: 'Angle', unit: '°' }),
    ]);
    // De-identified: the same measurements, their UIDs replaced by the report's pseudonyms.
    const deid = JSON.parse((await exported(ctx, c.id, 'json', true)).data) as ReportModel;
    expect(deid.measurements[0]).toMatchObject({ value: 23.456, sopInstanceUid: pseudonymUid(KEY_SOP), studyInstanceUid: pseudonymUid(`${KEY_SOP}.1`) });
  });

  it('a measurement whose image left the studies database still reports, saying so', async () => {
    const ctx = testContext();
    indexInstance(ctx, PATIENT, KEY_SOP);
    const c = ctx.services.cases.createCase({ question: 'Which?', options: [], keyImages: [{ ...KEY_IMAGE, sopInstanceUid: KEY_SOP, studyInstanceUid: `${KEY_SOP}.1` }], synthetic: true });
    await dispatch(ctx, 'measurements.save', measured(KEY_SOP, { value: 12 }));
    ctx.services.db.prepare('DELETE FROM instances WHERE sop_uid = ?').run(KEY_SOP);
    const json = JSON.parse((await exported(ctx, c.id, 'json')).data) as ReportModel;
    expect(json.measurements.map((m) => m.where)).toEqual([`image …${KEY_SOP.slice(-12)}, frame 1 (no longer in the studies database)`]);
  });
});
