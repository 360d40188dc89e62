import { newUid, writePart10 } from '../dicom/dcmjs.js';
import { dicomDateTime, documentHeader, evidenceSequence, type SrInput } from './sr.js';

export const KEY_OBJECT_SELECTION = '1.2.840.10008.5.1.4.1.1.88.59';

/**
 * The key images of a result as a Key Object Selection (TID 2010, titled "Of Interest"): what a PACS viewer shows
 * as the study's key images. Written with dcmjs beside the SR; it shares the SR's study and key image references.
 */
export function buildKos(input: Pick<SrInput, 'study' | 'keyImages' | 'at'> & { description: string }, uids: { series?: string; instance?: string } = {}): { bytes: Buffer; sopInstanceUid: string; seriesInstanceUid: string } {
  if (input.keyImages.length === 0) throw new Error('a Key Object Selection needs at least one key image');
  const sopInstanceUid = uids.instance ?? newUid();
  const seriesInstanceUid = uids.series ?? newUid();
  const [date, time] = dicomDateTime(input.at);
  const ds = {
    ...documentHeader(KEY_OBJECT_SELECTION, sopInstanceUid, input),
    // Key Object Document Series
    Modality: 'KO',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: '9002',
    SeriesDescription: 'Med-RwR key images',
    ReferencedPerformedProcedureStepSequence: [],
    Manufacturer: 'Med-RwR Workstation',
    // Key Object Document
    InstanceNumber: '1',
    ContentDate: date,
    ContentTime: time,
    CurrentRequestedProcedureEvidenceSequence: evidenceSequence(input),
    // SR Document Content: TID 2010
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [code('DCM', '113000', 'Of Interest')],
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '2010' }],
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: [
      { RelationshipType: 'CONTAINS', ValueType: 'TEXT', ConceptNameCodeSequence: [code('DCM', '113012', 'Key Object Description')], TextValue: input.description },
      ...input.keyImages.map((k) => {
        const ref: Record<string, unknown> = { ReferencedSOPClassUID: k.sopClassUid, ReferencedSOPInstanceUID: k.sopInstanceUid };
        if (k.frame !== undefined) ref.ReferencedFrameNumber = String(k.frame);
        return { RelationshipType: 'CONTAINS', ValueType: 'IMAGE', ReferencedSOPSequence: [ref] };
      }),
    ],
  };
  return { bytes: writePart10(ds), sopInstanceUid, seriesInstanceUid };
}

function code(scheme: string, value: string, meaning: string) {
  return { CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning };
}
