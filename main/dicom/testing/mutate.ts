import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import { parseDicom } from '../parse.js';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { seededRandom } from '../../engine/sampling.js';

/**
 * Deterministic DICOM mutators for the fuzz suite: each takes a real file and a seeded random source and returns a
 * damaged copy, aimed at the parts a decoder trusts (length fields, transfer syntax, fragment tables, image size
 * attributes, the codestream's own header) as well as plain bit flips and truncations.
 */
export type Random = () => number;

/** The engine's seeded generator (mulberry32): the same seed gives the same mutants on every machine. */
export const random: (seed: number) => Random = seededRandom;

const int = (r: Random, n: number) => Math.floor(r() * n);
const pick = <T>(r: Random, xs: readonly T[]): T => xs[int(r, xs.length)]!;

/** A seed file and where its elements are, parsed once. */
export interface Seed {
  name: string;
  bytes: Uint8Array;
  ds: DataSet;
  elements: Element[];
}

/** `inflated`: a deflated-syntax file whose data set is already inflated (parsed as it stands). */
export function seed(name: string, bytes: Uint8Array, inflated = false): Seed {
  const ds = inflated ? dicomParser.parseDicom(bytes, { inflater: ((b: Uint8Array) => b) as unknown as (b: Uint8Array) => void }) : parseDicom(bytes);
  const elements = Object.values(ds.elements).filter((e) => e.dataOffset + e.length <= bytes.length || e.hadUndefinedLength);
  return { name, bytes, ds, elements };
}

const INTERESTING_U32 = [0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 0xfffe, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const INTERESTING_U16 = [0, 1, 2, 3, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 64, 255, 256, 4096, 8192, 30000, 32767, 32768, 65535];
const SYNTAXES = [
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.2',
  '1.2.840.10008.1.2.5',
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.51',
  '1.2.840.10008.1.2.4.57',
  '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.80',
  '1.2.840.10008.1.2.4.90',
  '1.2.840.10008.1.2.4.91',
  '1.2.3.4',
  '',
];

function writeU16(out: Uint8Array, at: number, v: number, littleEndian: boolean): void {
  if (at >= 0 && at + 2 <= out.length) new DataView(out.buffer, out.byteOffset).setUint16(at, v, littleEndian);
}
function writeU32(out: Uint8Array, at: number, v: number, littleEndian: boolean): void {
  if (at >= 0 && at + 4 <= out.length) new DataView(out.buffer, out.byteOffset).setUint32(at, v >>> 0, littleEndian);
}

const bigEndian = (s: Seed) => (s.ds.string('x00020010') ?? '').replace(/\0/g, '').trim() === '1.2.840.10008.1.2.2';

export const MUTATORS = {
  /** 1 to 16 random bits, half of them in the pixel data when there is any. */
  bitFlips(s: Seed, r: Random): Uint8Array {
    const out = s.bytes.slice();
    const pixels = s.ds.elements['x7fe00010'];
    for (let n = 1 + int(r, 16); n > 0; n--) {
      const at = pixels && r() < 0.5 ? pixels.dataOffset + int(r, Math.max(1, out.length - pixels.dataOffset)) : int(r, out.length);
      if (at < out.length) out[at]! ^= 1 << int(r, 8);
    }
    return out;
  },
  /** Cut anywhere, or within the last tenth (inside the pixel data). */
  truncation(s: Seed, r: Random): Uint8Array {
    const n = s.bytes.length;
    return s.bytes.slice(0, r() < 0.5 ? int(r, n) : n - 1 - int(r, Math.ceil(n / 10)));
  },
  /** One element's length field set to an interesting or random value. */
  lengthField(s: Seed, r: Random): Uint8Array {
    const out = s.bytes.slice();
    const el = pick(r, s.elements);
    const le = !bigEndian(s) || el.tag.startsWith('x0002');
    const v = r() < 0.7 ? pick(r, INTERESTING_U32) : int(r, 2 ** 32);
    // Short explicit VRs keep a 16-bit length just before the value, long VRs and implicit VR a 32-bit one.
    if (r() < 0.5) writeU16(out, el.dataOffset - 2, v & 0xffff, le);
    else writeU32(out, el.dataOffset - 4, v, le);
    return out;
  },
  /** The file meta's TransferSyntaxUID replaced (lengths fixed up), so the data set is read the wrong way. */
  transferSyntax(s: Seed, r: Random): Uint8Array {
    const ts = s.ds.elements['x00020010'];
    const group = s.ds.elements['x00020000'];
    if (!ts) return s.bytes.slice();
    const uid = pick(r, SYNTAXES);
    const value = Buffer.from(uid.length % 2 ? `${uid}\0` : uid, 'latin1');
    const out = Buffer.concat([s.bytes.subarray(0, ts.dataOffset), value, s.bytes.subarray(ts.dataOffset + ts.length)]);
    out.writeUInt16LE(value.length, ts.dataOffset - 2);
    if (group) out.writeUInt32LE(s.ds.uint32('x00020000')! + value.length - ts.length, group.dataOffset);
    return new Uint8Array(out);
  },
  /** Encapsulated pixel data: a fragment's item length, the Basic Offset Table or NumberOfFrames damaged. */
  fragments(s: Seed, r: Random): Uint8Array {
    const out = s.bytes.slice();
    const el = s.ds.elements['x7fe00010'];
    const frags = el?.fragments ?? [];
    if (!el || frags.length === 0) return MUTATORS.sizeAttribute(s, r);
    const choice = int(r, 3);
    if (choice === 0) {
      const f = pick(r, frags);
      writeU32(out, f.position - 4, r() < 0.7 ? pick(r, INTERESTING_U32) : f.length + int(r, 64) - 32, true);
    } else if (choice === 1) {
      // A Basic Offset Table in place of the empty one, or its entries damaged: the first item's length and values.
      const bot = el.dataOffset + 8;
      if (r() < 0.5) writeU32(out, el.dataOffset + 4, pick(r, [4, 8, 12, 0xfffffff0]), true);
      for (let i = 0; i < 4; i++) writeU32(out, bot + 4 * i, r() < 0.5 ? pick(r, INTERESTING_U32) : int(r, s.bytes.length), true);
    } else {
      const frames = s.ds.elements['x00280008'];
      if (frames) for (let i = 0; i < frames.length; i++) out[frames.dataOffset + i] = pick(r, [0x30, 0x31, 0x39, 0x2d, 0x20, 0x2e]);
      else writeU32(out, frags[0]!.position - 4, int(r, 2 ** 32), true);
    }
    return out;
  },
  /** Rows, Columns, SamplesPerPixel, BitsAllocated, BitsStored, PlanarConfiguration or PixelRepresentation changed. */
  sizeAttribute(s: Seed, r: Random): Uint8Array {
    const out = s.bytes.slice();
    const tag = pick(r, ['x00280010', 'x00280011', 'x00280002', 'x00280100', 'x00280101', 'x00280006', 'x00280103']);
    const el = s.ds.elements[tag];
    if (el && el.length >= 2) writeU16(out, el.dataOffset, pick(r, INTERESTING_U16), !bigEndian(s));
    return out;
  },
  /** The compressed frame's own header (JPEG SOF, JPEG 2000 SIZ) made to claim another size or component count. */
  codestreamHeader(s: Seed, r: Random): Uint8Array {
    const out = s.bytes.slice();
    const frag = s.ds.elements['x7fe00010']?.fragments?.[0];
    if (!frag) return MUTATORS.sizeAttribute(s, r);
    const start = frag.position;
    const end = Math.min(out.length, start + frag.length);
    for (let o = start; o + 12 < end; o++) {
      if (out[o] !== 0xff) continue;
      const m = out[o + 1]!;
      if ((m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xf7) {
        const field = pick(r, [5, 7, 9]); // height, width, component count
        if (field === 9) out[o + field] = pick(r, [0, 2, 3, 5, 255]);
        else writeU16(out, o + field, pick(r, INTERESTING_U16), false);
        return out;
      }
      if (m === 0x51) {
        // SIZ: Xsiz, Ysiz, XTsiz, YTsiz (32-bit) or Csiz (16-bit)
        const field = pick(r, [6, 10, 22, 26, 38]);
        if (field === 38) writeU16(out, o + field, pick(r, INTERESTING_U16), false);
        else writeU32(out, o + field, pick(r, INTERESTING_U32), false);
        return out;
      }
    }
    return out;
  },
  /** Deflated seeds: the data set inflated, one of its size attributes or length fields damaged, deflated again. */
  deflatedContent(s: Seed, r: Random): Uint8Array {
    const group = s.ds.elements['x00020000'];
    const ts = (s.ds.string('x00020010') ?? '').replace(/\0/g, '');
    if (!group || ts !== '1.2.840.10008.1.2.1.99') return MUTATORS.bitFlips(s, r);
    const metaEnd = group.dataOffset + 4 + s.ds.uint32('x00020000')!;
    const plain = new Uint8Array(Buffer.concat([s.bytes.subarray(0, metaEnd), inflateRawSync(s.bytes.subarray(metaEnd))]));
    const inner = seed(s.name, plain, true);
    const damaged = pick(r, [MUTATORS.sizeAttribute, MUTATORS.lengthField, MUTATORS.bitFlips])(inner, r);
    return new Uint8Array(Buffer.concat([damaged.subarray(0, metaEnd), deflateRawSync(damaged.subarray(metaEnd), { finishFlush: constants.Z_FINISH })]));
  },
} satisfies Record<string, (s: Seed, r: Random) => Uint8Array>;

export type MutatorName = keyof typeof MUTATORS;
