import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

/** The few dcmjs calls the app uses, typed here (dcmjs ships no types). Datasets are dcmjs' "naturalized" form. */
export interface Dcmjs {
  data: {
    DicomDict: new (meta: object) => { dict: object; meta: object; write(options?: object): ArrayBuffer };
    DicomMessage: { readFile(buffer: ArrayBuffer): { dict: object; meta: object } };
    DicomMetaDictionary: { denaturalizeDataset(ds: object): object; naturalizeDataset(ds: object): Record<string, unknown> };
  };
}

export const dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;

/** A Part 10 file (explicit VR little endian) from a naturalized dataset and its SOP class and instance. */
export function writePart10(ds: Record<string, unknown> & { SOPClassUID: string; SOPInstanceUID: string }): Buffer {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: ds.SOPClassUID,
    MediaStorageSOPInstanceUID: ds.SOPInstanceUID,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: '2.25.307447398826958211553620325478946412737',
    ImplementationVersionName: 'MEDRWR_0_1',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds);
  return Buffer.from(dict.write());
}

/** The naturalized dataset of a Part 10 file. */
export function readPart10(bytes: Buffer): Record<string, unknown> {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const dict = dcmjs.data.DicomMessage.readFile(ab).dict as Record<string, { _rawValue?: unknown[] }>;
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict);
  // dcmjs (0.52) decodes sequence items with its default decoder (windows-1252), not the file's character set: in
  // a UTF-8 file (an SR's text is mostly nested) those strings are re-decoded here.
  if (String(dict['00080005']?._rawValue?.[0] ?? '').trim() === 'ISO_IR 192') {
    for (const [k, v] of Object.entries(ds)) if (Array.isArray(v) && v.some(isItem)) ds[k] = v.map((item) => (isItem(item) ? redecodeUtf8(item) : item));
  }
  return ds;
}

const isItem = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer);

/** Each windows-1252 character back to its byte (WHATWG's "latin1" decoder is windows-1252). */
const CP1252_BYTE = (() => {
  const decoder = new TextDecoder('latin1');
  const map = new Map<string, number>();
  for (let b = 0; b < 256; b++) map.set(decoder.decode(new Uint8Array([b])), b);
  return map;
})();
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function redecodeUtf8(item: Record<string, unknown>): Record<string, unknown> {
  const fix = (v: unknown): unknown => {
    if (typeof v === 'string') return recode(v);
    if (Array.isArray(v)) return v.map(fix);
    if (isItem(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fix(x)]));
    return v;
  };
  return fix(item) as Record<string, unknown>;
}

function recode(s: string): string {
  if (![...s].some((c) => c.charCodeAt(0) > 0x7f)) return s;
  const bytes: number[] = [];
  for (const ch of s) {
    const b = CP1252_BYTE.get(ch);
    if (b === undefined) return s; // not a windows-1252 reading: leave it
    bytes.push(b);
  }
  try {
    return UTF8.decode(new Uint8Array(bytes));
  } catch {
    return s;
  }
}

/** A fresh UID under the 2.25 root (a random 128-bit number, PS3.5 B.2). */
export function newUid(): string {
  return '2.25.' + BigInt('0x' + randomBytes(16).toString('hex')).toString();
}
