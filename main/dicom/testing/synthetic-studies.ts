import type { AppContext } from '../../app/context.js';
import type { InstanceRecord } from '../record.js';
import { StudyStore } from '../store.js';

/**
 * Index rows for `count` studies of `count / 4` patients (four studies each, one series of one instance, CT/MR/US/CR
 * in turn, dates spread over 2026), written straight into the database: a worklist of any size without files.
 * The instances point nowhere, so only the list is usable, not the images.
 */
export function seedSyntheticStudies(ctx: AppContext, count: number): void {
  const patients = Math.max(1, Math.floor(count / 4));
  const records: InstanceRecord[] = Array.from({ length: count }, (_, i) => {
    const p = i % patients;
    return {
      patient: { key: `SYN${p}`, patientId: `SYN${p}`, name: `SYNTHETIC^PATIENT ${String(p).padStart(5, '0')}`, birthDate: '19600101', sex: i % 2 ? 'F' : 'M' },
      study: { uid: `2.25.9.${i}`, date: `2026${String((i % 12) + 1).padStart(2, '0')}${String((i % 28) + 1).padStart(2, '0')}`, time: '', description: `Synthetic study ${i}`, accession: `SYNACC${i}` },
      series: { uid: `2.25.9.${i}.1`, number: 1, modality: ['CT', 'MR', 'US', 'CR'][i % 4]!, description: 'Synthetic series' },
      instance: {
        sopUid: `2.25.9.${i}.1.1`,
        sopClassUid: '1.2.840.10008.5.1.4.1.1.7',
        instanceNumber: 1,
        path: `/nonexistent/synthetic/${i}.dcm`,
        fileSize: 1,
        info: { frames: 1, transferSyntax: '1.2.840.10008.1.2.1', photometric: 'MONOCHROME2', rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8, frameTimeMs: null } as InstanceRecord['instance']['info'],
        pixelSpacing: null,
        window: null,
        slope: 1,
        intercept: 0,
        sliceLocation: null,
      },
    };
  });
  new StudyStore(ctx.services.db).insertAll(records);
}
