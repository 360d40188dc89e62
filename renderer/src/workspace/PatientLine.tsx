import { formatPersonName, type PatientRef } from '../../../main/api/index.js';

/** Whose case this is, named as people read it, so a case is never read against another patient's images. */
export function PatientLine({ patient }: { patient: PatientRef }) {
  return (
    <p className="patient-line" data-testid="case-patient">
      Patient: <strong>{formatPersonName(patient.name)}</strong> <span className="muted">· ID {patient.patientId || 'none'}</span>
    </p>
  );
}
