import { newUid, writePart10 } from '../../main/dicom/dcmjs.js';

export { newUid };

export interface SyntheticStudy {
  patientName: string;
  patientId: string;
  birthDate: string;
  accessionNumber: string;
  studyDate: string;
  modality: string;
  description?: string;
  series: number;
  instancesPerSeries: number;
  /** square images of this many pixels a side (16-bit) */
  size?: number;
}

/**
 * A study of valid CT instances written with dcmjs: a gradient whose level follows the
 * instance number, so every file differs. For tests and benchmarks that need a PACS holding something.
 */
export function syntheticStudy(s: SyntheticStudy): { studyUid: string; seriesUids: string[]; files: Buffer[] } {
  const studyUid = newUid();
  const seriesUids: string[] = [];
  const files: Buffer[] = [];
  const size = s.size ?? 64;
  for (let se = 0; se < s.series; se++) {
    const seriesUid = newUid();
    seriesUids.push(seriesUid);
    for (let i = 0; i < s.instancesPerSeries; i++) {
      const pixels = new Uint16Array(size * size);
      for (let p = 0; p < pixels.length; p++) pixels[p] = ((p % size) * 16 + i * 7) & 0xfff;
      const sopUid = newUid();
      const ds = {
        SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
        SOPInstanceUID: sopUid,
        StudyInstanceUID: studyUid,
        SeriesInstanceUID: seriesUid,
        PatientName: s.patientName,
        PatientID: s.patientId,
        PatientBirthDate: s.birthDate,
        PatientSex: 'O',
        AccessionNumber: s.accessionNumber,
        StudyDate: s.studyDate,
        StudyTime: '101500',
        StudyID: '1',
        StudyDescription: s.description ?? 'Synthetic study',
        ReferringPhysicianName: '',
        Modality: s.modality,
        SeriesNumber: String(se + 1),
        SeriesDescription: `Series ${se + 1}`,
        InstanceNumber: String(i + 1),
        ImageType: ['DERIVED', 'SECONDARY', 'AXIAL'],
        Manufacturer: 'medrwr-test',
        SamplesPerPixel: 1,
        PhotometricInterpretation: 'MONOCHROME2',
        Rows: size,
        Columns: size,
        BitsAllocated: 16,
        BitsStored: 12,
        HighBit: 11,
        PixelRepresentation: 0,
        RescaleIntercept: '0',
        RescaleSlope: '1',
        WindowCenter: '2048',
        WindowWidth: '4096',
        PixelSpacing: ['0.5', '0.5'],
        ImagePositionPatient: ['0', '0', String(i)],
        ImageOrientationPatient: ['1', '0', '0', '0', '1', '0'],
        SliceLocation: String(i),
        SliceThickness: '1',
        FrameOfReferenceUID: studyUid + '.1',
        PositionReferenceIndicator: '',
        PatientPosition: 'HFS',
        KVP: '120',
        AcquisitionNumber: '1',
        PixelData: [pixels.buffer],
        _vrMap: { PixelData: 'OW' },
      };
      files.push(writePart10(ds));
    }
  }
  return { studyUid, seriesUids, files };
}
