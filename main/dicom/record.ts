import type { DataSet } from 'dicom-parser';
import { normaliseDicomDate } from '../api/format.js';
import { checkFrameSize } from './budget.js';
import { DicomError, num, str } from './dataset.js';
import { CODEC_OF } from './decode.js';
import { codestreamSize } from './codestream.js';
import { encapsulatedFrame, encapsulatedFrameTable, isEncapsulated, nativeFrame } from './frame-bytes.js';
import { frameDisplay, readImageInfo, TS, type ImageInfo } from './image-info.js';

/** What the index keeps of one image file. */
export interface InstanceRecord {
  patient: { key: string; patientId: string; name: string; birthDate: string; sex: string };
  study: { uid: string; date: string; time: string; description: string; accession: string };
  series: { uid: string; number: number | null; modality: string; description: string };
  instance: {
    sopUid: string;
    sopClassUid: string;
    instanceNumber: number | null;
    path: string;
    fileSize: number;
    /** Set by the importer from the stat it checked for a known file with (see StudyStore.holdsFile). */
    fileMtimeMs?: number;
    info: ImageInfo;
    pixelSpacing: [number, number] | null;
    window: { center: number; width: number } | null;
    slope: number;
    intercept: number;
    sliceLocation: number | null;
  };
}

const NATIVE = new Set<string>([TS.implicitLE, TS.explicitLE, TS.deflated, TS.explicitBE]);

/**
 * Reads what the index needs from a parsed file, or throws a DicomError naming the first missing required
 * attribute (UIDs), an unsupported transfer syntax or pixel data shorter than its header promises.
 */
export function readInstanceRecord(ds: DataSet, path: string, fileSize: number): InstanceRecord {
  const uid = (tag: string, name: string) => requiredUid(ds, tag, name);
  const sopUid = uid('x00080018', 'SOPInstanceUID');
  const studyUid = uid('x0020000d', 'StudyInstanceUID');
  const seriesUid = uid('x0020000e', 'SeriesInstanceUID');
  const modality = str(ds, 'x00080060');
  const info = readImageInfo(ds);
  if (!NATIVE.has(info.transferSyntax) && !CODEC_OF[info.transferSyntax]) {
    throw new DicomError(`unsupported transfer syntax ${info.transferSyntax || '(none)'}`);
  }
  checkFrameSize(info.columns, info.rows, info.samplesPerPixel, 'the header');
  if (!isEncapsulated(ds, info)) nativeFrame(ds, info, info.frames - 1); // throws when the last frame is cut short
  else checkCodestream(ds, info);
  const display = frameDisplay(ds, 0);
  const spacing = pixelSpacing(ds);
  return {
    patient: readPatient(ds, studyUid),
    study: readStudy(ds, studyUid),
    series: { uid: seriesUid, number: num(ds, 'x00200011'), modality, description: str(ds, 'x0008103e') },
    instance: {
      sopUid,
      sopClassUid: str(ds, 'x00080016'),
      instanceNumber: num(ds, 'x00200013'),
      path,
      fileSize,
      info,
      pixelSpacing: spacing,
      window: display.window,
      slope: display.slope,
      intercept: display.intercept,
      sliceLocation: num(ds, 'x00201041'),
    },
  };
}

/**
 * The first compressed frame must exist and declare the size the header gives (checked without decoding). The
 * frames are found as decode finds them (a wrong or empty offset table does not matter); a file declaring more
 * frames than it has fragments and than its markers show is refused, so NumberOfFrames stays bounded by the data.
 * A file with some frames missing is indexed: those frames show their error in the viewer.
 */
function checkCodestream(ds: DataSet, info: ImageInfo): void {
  const fragments = ds.elements[info.pixelTag]?.fragments?.length ?? 0;
  const found = encapsulatedFrameTable(ds, info).frames.length;
  if (info.frames > fragments && info.frames > found) {
    throw new DicomError(`NumberOfFrames says ${info.frames} but the compressed pixel data holds only ${Math.max(fragments, found)} frame(s)`);
  }
  const first = encapsulatedFrame(ds, info, 0);
  if (info.transferSyntax === TS.rle) return checkRleHeader(first, info);
  const size = codestreamSize(first);
  if (size && (size.width > 65535 || size.height > 65535)) throw new DicomError('corrupt compressed pixel data: the first frame\'s image header is unreadable');
  if (size && (size.width !== info.columns || size.height !== info.rows)) {
    throw new DicomError(`pixel data does not match the header: the compressed frame is ${size.width}×${size.height}, Rows/Columns say ${info.columns}×${info.rows}`);
  }
}

/** An RLE frame starts with its segment count: one per byte of each sample (PS3.5 G.5). */
function checkRleHeader(frame: Uint8Array, info: ImageInfo): void {
  const expected = info.samplesPerPixel * Math.ceil(info.bitsAllocated / 8);
  const segments = frame.length >= 4 ? new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0, true) : -1;
  if (segments !== expected) throw new DicomError(`corrupt RLE pixel data: the first frame has ${segments < 0 ? 'no' : segments} segment(s), the header implies ${expected}`);
}

/** PixelSpacing (0028,0030), else ImagerPixelSpacing (0018,1164), else the Enhanced PixelMeasuresSequence. */
function pixelSpacing(ds: DataSet): [number, number] | null {
  const sources = [ds, ds.elements['x52009229']?.items?.[0]?.dataSet?.elements['x00289110']?.items?.[0]?.dataSet];
  for (const tag of ['x00280030', 'x00181164']) {
    for (const src of sources) {
      if (!src) continue;
      const r = num(src, tag, 0);
      const c = num(src, tag, 1);
      if (r !== null && c !== null && r > 0 && c > 0) return [r, c];
    }
  }
  return null;
}

/**
 * The patient a file belongs to. Its key groups studies: PatientID qualified by IssuerOfPatientID (the same ID from
 * two issuers is two people); without a PatientID, name and birth date stand in; with neither ID nor name nothing
 * says two studies are one person's, so the study is its own patient.
 */
export function readPatient(ds: DataSet, studyUid: string): InstanceRecord['patient'] {
  const patientId = str(ds, 'x00100020');
  const issuer = str(ds, 'x00100021');
  const name = str(ds, 'x00100010');
  const birthDate = str(ds, 'x00100030');
  // The key keeps the date as written, so that keys of patients indexed before dates were normalised stay the same.
  const key = patientId ? (issuer ? `${patientId}^^^${issuer}` : patientId) : name ? `(no PatientID) ${name} ${birthDate}`.trim() : `(unidentified) ${studyUid}`;
  return { key, patientId, name, birthDate: normaliseDicomDate(birthDate), sex: str(ds, 'x00100040') };
}

/** The study a file belongs to; its date in DICOM's current form (see normaliseDicomDate). */
export function readStudy(ds: DataSet, studyUid: string): InstanceRecord['study'] {
  return { uid: studyUid, date: normaliseDicomDate(str(ds, 'x00080020')), time: str(ds, 'x00080030'), description: str(ds, 'x00081030'), accession: str(ds, 'x00080050') };
}

/** A UID the index cannot do without, or a DicomError naming the attribute and its tag. */
export function requiredUid(ds: DataSet, tag: string, name: string): string {
  const v = str(ds, tag).replace(/\0/g, '');
  if (!v) throw new DicomError(`missing required attribute ${name} (${tag.slice(1, 5).toUpperCase()},${tag.slice(5).toUpperCase()})`);
  return v;
}
