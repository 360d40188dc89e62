/**
 * A minimal DICOM Part 10 writer for tests that need files no toolkit would write: explicit VR little endian
 * elements, the file meta group, and encapsulated pixel data with any fragments.
 */
export type Element = [tag: number, vr: string, value: string | number | Uint8Array];

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'SQ', 'UN', 'UT', 'UC', 'UR']);

/** One explicit VR little endian element; `length` overrides the value's own length (for lying headers). */
export function element([tag, vr, value]: Element, length?: number): Buffer {
  let body: Buffer;
  if (typeof value === 'number') {
    body = Buffer.alloc(vr === 'UL' ? 4 : 2);
    if (vr === 'UL') body.writeUInt32LE(value);
    else body.writeUInt16LE(value);
  } else if (typeof value === 'string') {
    body = Buffer.from(value.length % 2 ? value + (vr === 'UI' ? '\0' : ' ') : value, 'latin1');
  } else body = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const long = LONG_VRS.has(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(tag >>> 16, 0);
  head.writeUInt16LE(tag & 0xffff, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(length ?? body.length, 8);
  else head.writeUInt16LE(length ?? body.length, 6);
  return Buffer.concat([head, body]);
}

/** The 128-byte preamble, "DICM" and the meta group for a transfer syntax. */
export function preambleAndMeta(transferSyntax: string, sopInstanceUid: string): Buffer {
  const meta = Buffer.concat([
    element([0x00020001, 'OB', Uint8Array.of(0, 1)]),
    element([0x00020002, 'UI', '1.2.840.10008.5.1.4.1.1.7']),
    element([0x00020003, 'UI', sopInstanceUid]),
    element([0x00020010, 'UI', transferSyntax]),
  ]);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), element([0x00020000, 'UL', meta.length]), meta]);
}

export interface ImageHeader {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored?: number;
  samplesPerPixel?: number;
  frames?: number;
  uid?: string;
}

/** The attributes of a secondary-capture image (identity, then the Image Pixel module), sorted by tag. */
export function imageAttributes(h: ImageHeader): Buffer {
  const uid = h.uid ?? '1.2.826.0.1.3680043.10.543.1';
  const spp = h.samplesPerPixel ?? 1;
  return Buffer.concat(
    (
      [
        [0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7'],
        [0x00080018, 'UI', uid],
        [0x00080060, 'CS', 'OT'],
        [0x00100010, 'PN', 'Bomb^Test'],
        [0x00100020, 'LO', 'BOMB'],
        [0x0020000d, 'UI', `${uid}.1`],
        [0x0020000e, 'UI', `${uid}.2`],
        [0x00280002, 'US', spp],
        [0x00280004, 'CS', spp === 3 ? 'RGB' : 'MONOCHROME2'],
        ...(h.frames ? [[0x00280008, 'IS', String(h.frames)] as Element] : []),
        [0x00280010, 'US', h.rows],
        [0x00280011, 'US', h.columns],
        [0x00280100, 'US', h.bitsAllocated],
        [0x00280101, 'US', h.bitsStored ?? h.bitsAllocated],
        [0x00280102, 'US', (h.bitsStored ?? h.bitsAllocated) - 1],
        [0x00280103, 'US', 0],
      ] as Element[]
    ).map((e) => element(e)),
  );
}

/** Encapsulated pixel data: undefined length, an empty Basic Offset Table, one item per fragment, the delimiter. */
export function encapsulatedPixelData(fragments: readonly Uint8Array[]): Buffer {
  const item = (tag: number, data: Uint8Array) => {
    const head = Buffer.alloc(8);
    head.writeUInt16LE(0xfffe, 0);
    head.writeUInt16LE(tag, 2);
    head.writeUInt32LE(data.length, 4);
    return Buffer.concat([head, data]);
  };
  const padded = fragments.map((f) => (f.length % 2 ? Buffer.concat([f, Buffer.alloc(1)]) : Buffer.from(f)));
  return Buffer.concat([element([0x7fe00010, 'OB', new Uint8Array(0)], 0xffffffff), item(0xe000, new Uint8Array(0)), ...padded.map((f) => item(0xe000, f)), item(0xe0dd, new Uint8Array(0))]);
}

/** A whole file: preamble, meta, attributes and pixel data already encoded. */
export function dicomFile(transferSyntax: string, header: ImageHeader, pixelData: Buffer): Buffer {
  return Buffer.concat([preambleAndMeta(transferSyntax, header.uid ?? '1.2.826.0.1.3680043.10.543.1'), imageAttributes(header), pixelData]);
}
