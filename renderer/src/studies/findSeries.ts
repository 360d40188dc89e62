import type { PatientSummary, SeriesSummary, StudySummary } from '../../../main/api/studies.js';

/** The patient and study a series belongs to, looked up in the browser's tree. */
export function findSeries(patients: PatientSummary[] | null, seriesInstanceUid: string): { patient: PatientSummary; study: StudySummary; series: SeriesSummary } | undefined {
  for (const patient of patients ?? []) {
    for (const study of patient.studies) {
      const series = study.series.find((s) => s.seriesInstanceUid === seriesInstanceUid);
      if (series) return { patient, study, series };
    }
  }
  return undefined;
}
