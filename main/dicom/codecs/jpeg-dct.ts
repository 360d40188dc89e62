import { checkFrameSize } from '../budget.js';
import { DicomError } from '../dataset.js';
import { isUntransformedRgb } from './jpeg.js';

/**
 * A DCT JPEG decoder written from ITU-T T.81 for what libjpeg-turbo-8bit cannot do: 12-bit samples (DICOM JPEG
 * extended, 1.2.840.10008.1.2.4.51) and progressive streams of any precision (4.53 / 4.55), including successive
 * approximation. Baseline, extended and progressive Huffman processes; any number of components and sampling
 * factors; restart intervals. Arithmetic coding and hierarchical mode are refused with a clear message.
 */
export interface DctImage {
  readonly width: number;
  readonly height: number;
  readonly components: number;
  readonly precision: number;
  /** Samples interleaved by pixel, full resolution (chroma upsampled), colour converted to RGB when the stream is YCbCr. */
  readonly data: Uint16Array;
}

const MAX_SCANS = 256;

const ZIGZAG = Int32Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29,
  22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

/** IDCT basis: COS[x * 8 + u] = C(u) · cos((2x + 1) u π / 16) / 2. */
const COS = new Float64Array(64);
for (let x = 0; x < 8; x++) for (let u = 0; u < 8; u++) COS[x * 8 + u] = ((u === 0 ? Math.SQRT1_2 : 1) * Math.cos(((2 * x + 1) * u * Math.PI) / 16)) / 2;

interface Huffman {
  maxcode: Int32Array; // by code length 1..16, -1 when no codes of that length
  valptr: Int32Array;
  mincode: Int32Array;
  values: Uint8Array;
}

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  blocksPerLine: number; // allocated (MCU-padded)
  blocksPerColumn: number;
  coefs: Int32Array;
  pred: number;
  dcTable?: Huffman;
  acTable?: Huffman;
}

class BitReader {
  pos: number;
  /** Bytes of zeros fed past the scan's data (at a marker or the end): a corrupt or truncated scan. */
  overrun = 0;
  private acc = 0;
  private count = 0;
  constructor(
    private readonly data: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }
  bit(): number {
    if (this.count === 0) {
      let b = 0;
      if (this.pos < this.data.length) {
        b = this.data[this.pos]!;
        if (b === 0xff) {
          const next = this.data[this.pos + 1];
          if (next === 0) this.pos += 2;
          else {
            b = 0; // a marker: feed zeros and stay put, as libjpeg does
            this.overrun++;
          }
        } else this.pos++;
      } else this.overrun++;
      this.acc = b;
      this.count = 8;
    }
    this.count--;
    return (this.acc >> this.count) & 1;
  }
  receive(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | this.bit();
    return v;
  }
  /** receive + EXTEND (F.2.2.1): a signed value of n bits. */
  receiveExtend(n: number): number {
    if (n === 0) return 0;
    const v = this.receive(n);
    return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
  }
  decode(t: Huffman): number {
    let code = this.bit();
    for (let l = 1; l <= 16; l++) {
      if (t.maxcode[l]! >= code) return t.values[t.valptr[l]! + code - t.mincode[l]!]!;
      code = (code << 1) | this.bit();
    }
    throw new DicomError('JPEG: invalid Huffman code');
  }
  /** Drops the bit buffer and steps over the next RSTn marker. */
  restart(): void {
    this.count = 0;
    this.overrun = 0;
    while (this.pos + 1 < this.data.length && !(this.data[this.pos] === 0xff && this.data[this.pos + 1]! >= 0xd0 && this.data[this.pos + 1]! <= 0xd7)) this.pos++;
    this.pos += 2;
  }
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxcode = new Int32Array(17).fill(-1);
  const mincode = new Int32Array(17);
  const valptr = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    const n = counts[l - 1]!;
    if (n > 0) {
      valptr[l] = k;
      mincode[l] = code;
      code += n;
      k += n;
      maxcode[l] = code - 1;
    }
    code <<= 1;
  }
  return { maxcode, mincode, valptr, values };
}

/** `dicomSaysRgb`: the DICOM photometric is RGB, which with unmarked non-JFIF component ids means no YCbCr (see isUntransformedRgb). */
export function decodeDctJpeg(data: Uint8Array, opts: { dicomSaysRgb?: boolean } = {}): DctImage {
  const u16 = (o: number) => (data[o]! << 8) | data[o + 1]!;
  if (u16(0) !== 0xffd8) throw new DicomError('JPEG: no start-of-image marker');
  const quant: (Int32Array | undefined)[] = [];
  const dcTables: (Huffman | undefined)[] = [];
  const acTables: (Huffman | undefined)[] = [];
  let frame: { width: number; height: number; precision: number; progressive: boolean; comps: Component[]; hmax: number; vmax: number; mcusPerLine: number; mcusPerColumn: number } | undefined;
  let restartInterval = 0;
  let scans = 0;
  let jfif = false;
  let adobeTransform: number | null = null;
  let o = 2;
  while (o + 3 < data.length) {
    if (data[o] !== 0xff) {
      o++; // tolerate padding between segments
      continue;
    }
    const marker = data[o + 1]!;
    if (marker === 0xff || marker === 0x00 || (marker >= 0xd0 && marker <= 0xd7)) {
      o += marker === 0xff ? 1 : 2;
      continue;
    }
    if (marker === 0xd9) break; // EOI
    const len = u16(o + 2);
    const seg = o + 4;
    const end = o + 2 + len;
    switch (marker) {
      case 0xdb: {
        for (let p = seg; p < end; ) {
          const pq = data[p]! >> 4;
          const tq = data[p]! & 15;
          p++;
          const table = new Int32Array(64);
          for (let i = 0; i < 64; i++) {
            table[ZIGZAG[i]!] = pq ? u16(p) : data[p]!;
            p += pq ? 2 : 1;
          }
          quant[tq] = table;
        }
        break;
      }
      case 0xc4: {
        for (let p = seg; p < end; ) {
          const tc = data[p]! >> 4;
          const th = data[p]! & 15;
          const counts = data.subarray(p + 1, p + 17);
          const total = counts.reduce((s, c) => s + c, 0);
          const table = buildHuffman(counts, data.slice(p + 17, p + 17 + total));
          (tc === 0 ? dcTables : acTables)[th] = table;
          p += 17 + total;
        }
        break;
      }
      case 0xc0:
      case 0xc1:
      case 0xc2: {
        if (frame) throw new DicomError('JPEG: more than one frame header');
        const precision = data[seg]!;
        const height = u16(seg + 1);
        const width = u16(seg + 3);
        const n = data[seg + 5]!;
        const comps: Component[] = [];
        for (let i = 0; i < n; i++) {
          const p = seg + 6 + 3 * i;
          comps.push({ id: data[p]!, h: data[p + 1]! >> 4, v: data[p + 1]! & 15, tq: data[p + 2]!, blocksPerLine: 0, blocksPerColumn: 0, coefs: new Int32Array(0), pred: 0 });
        }
        if (height === 0) throw new DicomError('JPEG: frame height given by a DNL marker is not supported');
        if (width === 0 || n < 1 || n > 4 || (precision !== 8 && precision !== 12)) {
          throw new DicomError(`JPEG: corrupt frame header (${width}×${height}, ${n} components, ${precision}-bit)`);
        }
        if (comps.some((c) => c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4)) throw new DicomError('JPEG: corrupt frame header (a sampling factor outside 1 to 4)');
        checkFrameSize(width, height, n, 'the JPEG frame header');
        const hmax = Math.max(...comps.map((c) => c.h));
        const vmax = Math.max(...comps.map((c) => c.v));
        const mcusPerLine = Math.ceil(width / (8 * hmax));
        const mcusPerColumn = Math.ceil(height / (8 * vmax));
        for (const c of comps) {
          c.blocksPerLine = mcusPerLine * c.h;
          c.blocksPerColumn = mcusPerColumn * c.v;
          c.coefs = new Int32Array(c.blocksPerLine * c.blocksPerColumn * 64);
        }
        frame = { width, height, precision, progressive: marker === 0xc2, comps, hmax, vmax, mcusPerLine, mcusPerColumn };
        break;
      }
      case 0xc3:
      case 0xc5:
      case 0xc6:
      case 0xc7:
      case 0xc9:
      case 0xca:
      case 0xcb:
      case 0xcd:
      case 0xce:
      case 0xcf:
        throw new DicomError(`JPEG: process SOF${marker - 0xc0} (lossless, hierarchical or arithmetic coding) is not a DCT Huffman stream`);
      case 0xdd:
        restartInterval = u16(seg);
        break;
      case 0xe0:
        if (String.fromCharCode(...data.subarray(seg, seg + 4)) === 'JFIF') jfif = true;
        break;
      case 0xee:
        if (String.fromCharCode(...data.subarray(seg, seg + 5)) === 'Adobe') adobeTransform = data[seg + 11] ?? null;
        break;
      case 0xda: {
        if (!frame) throw new DicomError('JPEG: scan before frame header');
        const ns = data[seg]!;
        const scomps: Component[] = [];
        for (let i = 0; i < ns; i++) {
          const id = data[seg + 1 + 2 * i]!;
          const c = frame.comps.find((x) => x.id === id);
          if (!c) throw new DicomError(`JPEG: scan names unknown component ${id}`);
          c.dcTable = dcTables[data[seg + 2 + 2 * i]! >> 4];
          c.acTable = acTables[data[seg + 2 + 2 * i]! & 15];
          scomps.push(c);
        }
        const p = seg + 1 + 2 * ns;
        const ss = data[p]!;
        const se = data[p + 1]!;
        const ah = data[p + 2]! >> 4;
        const al = data[p + 2]! & 15;
        if (ns < 1 || ns > 4 || ss > 63 || se > 63 || al > 13) throw new DicomError('JPEG: corrupt scan header');
        const needDc = !frame.progressive || (ss === 0 && ah === 0);
        const needAc = !frame.progressive || ss > 0;
        if (scomps.some((c) => (needDc && !c.dcTable) || (needAc && !c.acTable))) throw new DicomError('JPEG: a scan uses a Huffman table that is not defined');
        // Progressive streams have a handful of scans per component; thousands are a way to make decoding take hours.
        if (++scans > MAX_SCANS) throw new DicomError(`JPEG: more than ${MAX_SCANS} scans`);
        o = decodeScan(data, end, frame, scomps, restartInterval, frame.progressive ? { ss, se, ah, al } : { ss: 0, se: 63, ah: 0, al: 0 }, !frame.progressive);
        continue;
      }
      default:
        break; // APPn, COM and the like
    }
    o = end;
  }
  if (!frame) throw new DicomError('JPEG: no frame header');
  const ycbcr = frame.comps.length === 3 && !isUntransformedRgb(opts.dicomSaysRgb ? 'RGB' : '', adobeTransform, jfif, frame.comps.map((c) => c.id));
  return toImage(frame, quant, ycbcr);
}

function decodeScan(
  data: Uint8Array,
  start: number,
  frame: { comps: Component[]; mcusPerLine: number; mcusPerColumn: number; width: number; height: number; hmax: number; vmax: number },
  scomps: Component[],
  restartInterval: number,
  s: { ss: number; se: number; ah: number; al: number },
  sequential: boolean,
): number {
  const bits = new BitReader(data, start);
  for (const c of scomps) c.pred = 0;
  let eobrun = 0;
  const p1 = 1 << s.al;
  const m1 = -1 << s.al;

  const decodeBlock = (c: Component, off: number) => {
    const coefs = c.coefs;
    if (sequential) {
      const t = bits.decode(c.dcTable!);
      c.pred += bits.receiveExtend(t);
      coefs[off] = c.pred;
      for (let k = 1; k < 64; ) {
        const rs = bits.decode(c.acTable!);
        const r = rs >> 4;
        const sz = rs & 15;
        if (sz === 0) {
          if (r !== 15) break;
          k += 16;
          continue;
        }
        k += r;
        if (k > 63) break;
        coefs[off + ZIGZAG[k]!] = bits.receiveExtend(sz);
        k++;
      }
      return;
    }
    if (s.ss === 0) {
      // DC scans (G.1.2.1)
      if (s.ah === 0) {
        c.pred += bits.receiveExtend(bits.decode(c.dcTable!));
        coefs[off] = c.pred * p1;
      } else if (bits.bit()) coefs[off]! |= p1;
      return;
    }
    if (s.ah === 0) {
      // AC first scans (G.1.2.2)
      if (eobrun > 0) {
        eobrun--;
        return;
      }
      for (let k = s.ss; k <= s.se; ) {
        const rs = bits.decode(c.acTable!);
        const r = rs >> 4;
        const sz = rs & 15;
        if (sz === 0) {
          if (r < 15) {
            eobrun = (1 << r) - 1 + (r ? bits.receive(r) : 0);
            break;
          }
          k += 16;
          continue;
        }
        k += r;
        if (k > 63) break;
        coefs[off + ZIGZAG[k]!] = bits.receiveExtend(sz) * p1;
        k++;
      }
      return;
    }
    // AC refinement scans (G.1.2.3): correction bits move a coefficient away from zero, new ones are ±1 << Al.
    const refine = (z: number) => {
      const v = coefs[z]!;
      if (bits.bit() && (v & p1) === 0) coefs[z] = v >= 0 ? v + p1 : v + m1;
    };
    let k = s.ss;
    if (eobrun === 0) {
      for (; k <= s.se; k++) {
        const rs = bits.decode(c.acTable!);
        let r = rs >> 4;
        let value = 0;
        if (rs & 15) value = bits.bit() ? p1 : m1;
        else if (r !== 15) {
          eobrun = (1 << r) + (r ? bits.receive(r) : 0);
          break;
        }
        while (k <= s.se) {
          const z = off + ZIGZAG[k]!;
          if (coefs[z] !== 0) refine(z);
          else if (--r < 0) break;
          k++;
        }
        if (value && k <= s.se) coefs[off + ZIGZAG[k]!] = value;
      }
    }
    if (eobrun > 0) {
      for (; k <= s.se; k++) {
        const z = off + ZIGZAG[k]!;
        if (coefs[z] !== 0) refine(z);
      }
      eobrun--;
    }
  };

  const single = scomps.length === 1;
  const c0 = scomps[0]!;
  // A scan of one component codes only the blocks that cover the image, in raster order, one block per MCU.
  const lineBlocks = single ? Math.ceil(Math.ceil((frame.width * c0.h) / frame.hmax) / 8) : frame.mcusPerLine;
  const columnBlocks = single ? Math.ceil(Math.ceil((frame.height * c0.v) / frame.vmax) / 8) : frame.mcusPerColumn;
  const total = lineBlocks * columnBlocks;
  for (let mcu = 0; mcu < total; mcu++) {
    if (restartInterval > 0 && mcu > 0 && mcu % restartInterval === 0) {
      bits.restart();
      for (const c of scomps) c.pred = 0;
      eobrun = 0;
    }
    if (bits.overrun > 64) break; // the scan's data ran out: the rest stays zero, as libjpeg leaves it
    const row = Math.floor(mcu / lineBlocks);
    const col = mcu % lineBlocks;
    if (single) decodeBlock(c0, (row * c0.blocksPerLine + col) * 64);
    else {
      for (const c of scomps) {
        for (let v = 0; v < c.v; v++) for (let h = 0; h < c.h; h++) decodeBlock(c, ((row * c.v + v) * c.blocksPerLine + col * c.h + h) * 64);
      }
    }
  }
  // Resume marker parsing at the next marker that is not a restart.
  let p = bits.pos;
  while (p + 1 < data.length && !(data[p] === 0xff && data[p + 1] !== 0 && !(data[p + 1]! >= 0xd0 && data[p + 1]! <= 0xd7))) p++;
  return p;
}

function toImage(
  frame: { width: number; height: number; precision: number; comps: Component[]; hmax: number; vmax: number },
  quant: (Int32Array | undefined)[],
  ycbcr: boolean,
): DctImage {
  const { width, height, precision, comps } = frame;
  const maxValue = (1 << precision) - 1;
  const shift = 1 << (precision - 1);
  const planes = comps.map((c) => {
    const q = quant[c.tq];
    if (!q) throw new DicomError(`JPEG: quantisation table ${c.tq} is missing`);
    const stride = c.blocksPerLine * 8;
    const plane = new Float64Array(stride * c.blocksPerColumn * 8);
    const tmp = new Float64Array(64);
    for (let by = 0; by < c.blocksPerColumn; by++) {
      for (let bx = 0; bx < c.blocksPerLine; bx++) {
        const off = (by * c.blocksPerLine + bx) * 64;
        // rows: tmp[y][x] = Σu F(y,u)·basis(x,u), then columns
        for (let y = 0; y < 8; y++) {
          for (let x = 0; x < 8; x++) {
            let sum = 0;
            for (let u = 0; u < 8; u++) {
              const f = c.coefs[off + y * 8 + u]!;
              if (f !== 0) sum += f * q[y * 8 + u]! * COS[x * 8 + u]!;
            }
            tmp[y * 8 + x] = sum;
          }
        }
        for (let x = 0; x < 8; x++) {
          for (let y = 0; y < 8; y++) {
            let sum = 0;
            for (let v = 0; v < 8; v++) sum += tmp[v * 8 + x]! * COS[y * 8 + v]!;
            plane[(by * 8 + y) * stride + bx * 8 + x] = sum + shift;
          }
        }
      }
    }
    return { plane, stride, sx: c.h / frame.hmax, sy: c.v / frame.vmax };
  });
  const n = comps.length;
  const out = new Uint16Array(width * height * n);
  const clamp = (v: number) => (v <= 0 ? 0 : v >= maxValue ? maxValue : Math.round(v));
  // Each component at full resolution (nearest-neighbour chroma upsampling), then colour conversion.
  const full = planes.map(({ plane, stride, sx, sy }) => {
    const f = new Float64Array(width * height);
    for (let y = 0; y < height; y++) {
      const row = Math.floor(y * sy) * stride;
      for (let x = 0; x < width; x++) f[y * width + x] = plane[row + (sx === 1 ? x : Math.floor(x * sx))]!;
    }
    return f;
  });
  const pixels = width * height;
  if (n === 3 && ycbcr) {
    const [Y, Cb, Cr] = full as [Float64Array, Float64Array, Float64Array];
    for (let p = 0; p < pixels; p++) {
      const cb = Cb[p]! - shift;
      const cr = Cr[p]! - shift;
      out[p * 3] = clamp(Y[p]! + 1.402 * cr);
      out[p * 3 + 1] = clamp(Y[p]! - 0.344136 * cb - 0.714136 * cr);
      out[p * 3 + 2] = clamp(Y[p]! + 1.772 * cb);
    }
  } else {
    for (let c = 0; c < n; c++) {
      const f = full[c]!;
      for (let p = 0; p < pixels; p++) out[p * n + c] = clamp(f[p]!);
    }
  }
  return { width, height, components: n, precision, data: out };
}
