import type { DataSet } from 'dicom-parser';
import type { WindowLevel } from '../imaging/rgb.js';
import { DicomError, num, str, us } from './dataset.js';

/** The Image Pixel module and the attributes needed to turn stored values into display values. */
export interface ImageInfo {
  readonly transferSyntax: string;
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  readonly photometric: string;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly pixelRepresentation: 0 | 1;
  readonly planarConfiguration: 0 | 1;
  readonly frames: number;
  /** (7FE0,0010), or (7FE0,0008)/(7FE0,0009) for float and double pixel data. */
  readonly pixelTag: 'x7fe00010' | 'x7fe00008' | 'x7fe00009';
  readonly frameTimeMs: number | null;
}

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflated: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
  rle: '1.2.840.10008.1.2.5',
} as const;

export function transferSyntaxOf(ds: DataSet): string {
  return str(ds, 'x00020010').replace(/\0/g, '');
}

/** Reads the pixel description; throws a DicomError naming the missing attribute for files without an image. */
export function readImageInfo(ds: DataSet): ImageInfo {
  const pixelTag = (['x7fe00010', 'x7fe00008', 'x7fe00009'] as const).find((t) => ds.elements[t]);
  if (!pixelTag) throw new DicomError('no pixel data (7FE0,0010): not an image (e.g. a report, waveform or DICOMDIR)');
  const need = (tag: string, name: string): number => {
    const v = us(ds, tag);
    if (v === null) throw new DicomError(`missing required attribute ${name} (${tag.slice(1, 5).toUpperCase()},${tag.slice(5).toUpperCase()})`);
    return v;
  };
  const rows = need('x00280010', 'Rows');
  const columns = need('x00280011', 'Columns');
  const bitsAllocated = pixelTag === 'x7fe00008' ? 32 : pixelTag === 'x7fe00009' ? 64 : need('x00280100', 'BitsAllocated');
  const samplesPerPixel = us(ds, 'x00280002') ?? 1;
  const photometric = str(ds, 'x00280004') || (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2');
  if (rows === 0 || columns === 0) throw new DicomError(`empty image: Rows ${rows} × Columns ${columns}`);
  if (![1, 8, 16, 32, 64].includes(bitsAllocated)) throw new DicomError(`unsupported BitsAllocated ${bitsAllocated}`);
  const frames = Math.max(1, Math.trunc(num(ds, 'x00280008') ?? 1));
  return {
    transferSyntax: transferSyntaxOf(ds),
    rows,
    columns,
    samplesPerPixel,
    photometric,
    bitsAllocated,
    bitsStored: us(ds, 'x00280101') ?? bitsAllocated,
    pixelRepresentation: us(ds, 'x00280103') === 1 ? 1 : 0,
    planarConfiguration: us(ds, 'x00280006') === 1 ? 1 : 0,
    frames,
    pixelTag,
    frameTimeMs: frameTimeOf(ds),
  };
}

/** FrameTime (0018,1063), else from CineRate (0018,0040) or RecommendedDisplayFrameRate (0008,2144); null for stills. */
function frameTimeOf(ds: DataSet): number | null {
  const ms = num(ds, 'x00181063');
  if (ms !== null && ms > 0) return ms;
  const rate = num(ds, 'x00180040') ?? num(ds, 'x00082144');
  return rate !== null && rate > 0 ? 1000 / rate : null;
}

/** Rescale slope/intercept and the default window of one frame: from the top level, else the Enhanced functional groups. */
export interface FrameDisplay {
  readonly slope: number;
  readonly intercept: number;
  readonly window: WindowLevel | null;
  /** VOILUTFunction (0028,1056): LINEAR (default), LINEAR_EXACT or SIGMOID. */
  readonly voiFunction: 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';
}

export function frameDisplay(ds: DataSet, frame: number): FrameDisplay {
  // Enhanced multi-frame objects keep these in per-frame (5200,9230) or shared (5200,9229) functional groups.
  const groups = [ds, item(ds, 'x52009230', frame), item(ds, 'x52009229', 0)].filter((g): g is DataSet => g !== undefined);
  const pick = <T>(read: (g: DataSet) => T | null): T | null => {
    for (const g of groups) {
      const v = read(g);
      if (v !== null) return v;
      for (const seq of ['x00289145', 'x00289132']) {
        const inner = item(g, seq, 0);
        const w = inner ? read(inner) : null;
        if (w !== null) return w;
      }
    }
    return null;
  };
  const slope = pick((g) => num(g, 'x00281053')) ?? 1;
  const intercept = pick((g) => num(g, 'x00281052')) ?? 0;
  const window = pick((g) => {
    const center = num(g, 'x00281050');
    const width = num(g, 'x00281051');
    return center !== null && width !== null && width > 0 ? { center, width } : null;
  });
  const fn = (pick((g) => str(g, 'x00281056') || null) ?? 'LINEAR').toUpperCase();
  return { slope: slope === 0 ? 1 : slope, intercept, window, voiFunction: fn === 'SIGMOID' || fn === 'LINEAR_EXACT' ? fn : 'LINEAR' };
}

function item(ds: DataSet, tag: string, index: number): DataSet | undefined {
  return ds.elements[tag]?.items?.[index]?.dataSet;
}
