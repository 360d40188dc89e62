import { constants, deflateRawSync } from 'node:zlib';
import { dicomFile, element, encapsulatedPixelData, imageAttributes, preambleAndMeta } from './write.js';

/**
 * The decompression and size bombs of issue 18, built small and fast (none is ever inflated here): each is a file a
 * naive decoder would spend gigabytes and minutes on.
 */
const TS = { jpegExtended: '1.2.840.10008.1.2.4.51', deflated: '1.2.840.10008.1.2.1.99', rle: '1.2.840.10008.1.2.5' };

/** A baseline-structured JPEG with a 12-bit SOF1 header claiming `width`×`height` and `entropyBytes` of scan data. */
export function jpeg12(width: number, height: number, entropyBytes: number): Buffer {
  const seg = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
  const counts = (n: number) => [n, ...new Array<number>(15).fill(0)]; // n codes of length 1
  return Buffer.concat([
    Buffer.from([
      0xff, 0xd8,
      ...seg(0xdb, [0x00, ...new Array<number>(64).fill(1)]),
      ...seg(0xc1, [12, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
      ...seg(0xc4, [0x00, ...counts(1), 0x00]), // DC: one code, category 0
      ...seg(0xc4, [0x10, ...counts(1), 0x00]), // AC: one code, end of block
      ...seg(0xda, [1, 1, 0x00, 0, 63, 0]),
    ]),
    Buffer.alloc(entropyBytes), // every block: DC 0, EOB (two bits)
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** ~10 KB: JPEG extended (12-bit) whose header and codestream both claim 30000×30000. */
export function jpeg12Bomb(): Buffer {
  return dicomFile(TS.jpegExtended, { rows: 30000, columns: 30000, bitsAllocated: 16, bitsStored: 12, uid: '1.2.826.0.1.3680043.10.543.18.1' }, encapsulatedPixelData([jpeg12(30000, 30000, 10_000)]));
}

/** An RLE frame declaring 20000×20000 8-bit pixels, all of them there (~6 MB of replicate runs). */
export function rleBomb(): Buffer {
  const pixels = 20000 * 20000;
  const runs = Math.ceil(pixels / 128);
  const segment = Buffer.alloc(runs * 2);
  for (let i = 0; i < runs; i++) segment[i * 2] = 0x81; // replicate the next byte 128 times
  const header = Buffer.alloc(64);
  header.writeUInt32LE(1, 0);
  header.writeUInt32LE(64, 4);
  return dicomFile(TS.rle, { rows: 20000, columns: 20000, bitsAllocated: 8, uid: '1.2.826.0.1.3680043.10.543.18.2' }, encapsulatedPixelData([Buffer.concat([header, segment])]));
}

export type DeflateBombKind = 'pixel-data' | 'declared-size' | 'attribute';

/**
 * A deflated-syntax file of ~1.5 MB whose data set inflates to ~1.5 GiB of zeros. `pixel-data`: a 512×512 image
 * whose pixel data element says 1.5 GiB; `declared-size`: Rows and Columns of 30000; `attribute`: a private OB
 * element of 1.5 GiB before an ordinary image. Built from one compressed MiB of zeros repeated: a deflate stream
 * flushed with Z_FULL_FLUSH refers to nothing before it, so copies of it concatenate into a valid stream.
 */
export function deflateBomb(kind: DeflateBombKind = 'pixel-data'): Buffer {
  const MiB = 1024 * 1024;
  const zeros = 1536; // MiB
  const uid = `1.2.826.0.1.3680043.10.543.18.3.${kind.length}`;
  const big = kind === 'declared-size';
  const attrs = imageAttributes({ rows: big ? 30000 : 512, columns: big ? 30000 : 512, bitsAllocated: 16, uid });
  const huge = (tag: number) => element([tag, 'OB', new Uint8Array(0)], zeros * MiB);
  const before = kind === 'attribute' ? Buffer.concat([element([0x00090010, 'LO', 'BOMB']), huge(0x00091000)]) : Buffer.alloc(0);
  // Private group 0009 sorts before 0010 but after 0008: split the attributes there.
  const split = attrs.indexOf(Buffer.from([0x10, 0x00, 0x10, 0x00])); // (0010,0010)
  const head = kind === 'attribute' ? Buffer.concat([attrs.subarray(0, split), before]) : Buffer.concat([attrs, huge(0x7fe00010)]);
  const flush = { finishFlush: constants.Z_FULL_FLUSH };
  const chunk = deflateRawSync(Buffer.alloc(MiB), flush);
  const parts = [deflateRawSync(head, flush), ...new Array<Buffer>(zeros).fill(chunk)];
  if (kind === 'attribute') parts.push(deflateRawSync(Buffer.concat([attrs.subarray(split), element([0x7fe00010, 'OW', Buffer.alloc(512 * 512 * 2)])]), flush));
  parts.push(deflateRawSync(Buffer.alloc(0))); // the final block
  return Buffer.concat([preambleAndMeta(TS.deflated, uid), ...parts]);
}
