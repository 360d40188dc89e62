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
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjs.data.DicomMessage.readFile(ab).dict);
}

/** A fresh UID under the 2.25 root (a random 128-bit number, PS3.5 B.2). */
export function newUid(): string {
  return '2.25.' + BigInt('0x' + randomBytes(16).toString('hex')).toString();
}
