import { metaData } from '@cornerstonejs/core';
import { wadouri } from '@cornerstonejs/dicom-image-loader';
import type { StackViewport } from '@cornerstonejs/core';
import { pixelRange, type FileWindow, type PixelRange } from './presets.js';

/** What the viewer reads about the image on screen from Cornerstone's metadata and pixels (never from the server). */

interface PlaneModule {
  imagePositionPatient?: number[] | null;
  rowCosines?: number[] | null;
  columnCosines?: number[] | null;
  sliceThickness?: number | null;
  sliceLocation?: number | null;
}

/** Slice position (mm: SliceLocation, else the position along the plane's normal) and thickness, when the file says. */
export function slicePlacement(imageId: string): { location: number | null; thickness: number | null } {
  const plane = metaData.get('imagePlaneModule', imageId) as PlaneModule | undefined;
  if (!plane) return { location: null, thickness: null };
  let location = typeof plane.sliceLocation === 'number' && Number.isFinite(plane.sliceLocation) ? plane.sliceLocation : null;
  const [p, r, c] = [plane.imagePositionPatient, plane.rowCosines, plane.columnCosines];
  if (location === null && p && r && c) {
    const normal = [r[1]! * c[2]! - r[2]! * c[1]!, r[2]! * c[0]! - r[0]! * c[2]!, r[0]! * c[1]! - r[1]! * c[0]!];
    location = p[0]! * normal[0]! + p[1]! * normal[1]! + p[2]! * normal[2]!;
  }
  const thickness = typeof plane.sliceThickness === 'number' && plane.sliceThickness > 0 ? plane.sliceThickness : null;
  return { location, thickness };
}

/** The file's own windows (WindowCenter/Width pairs) with their explanations (0028,1055). */
export function fileWindows(imageId: string): FileWindow[] {
  const dataSet = wadouri.dataSetCacheManager.get(wadouri.parseImageId(imageId).url);
  if (!dataSet) return [];
  const count = Math.min(valueCount(dataSet.string('x00281050')), valueCount(dataSet.string('x00281051')));
  const out: FileWindow[] = [];
  for (let i = 0; i < count; i++) {
    const center = dataSet.floatString('x00281050', i);
    const width = dataSet.floatString('x00281051', i);
    if (center === undefined || width === undefined || !Number.isFinite(center) || !Number.isFinite(width)) continue;
    const explanation = dataSet.string('x00281055', i);
    out.push({ center, width, ...(explanation ? { explanation } : {}) });
  }
  return out;
}

function valueCount(s: string | undefined): number {
  return s ? s.split('\\').length : 0;
}

/** The spread of the shown image's values in modality units (null for colour images, which have no window). */
export function shownPixelRange(vp: StackViewport): PixelRange | null {
  const image = vp.getCornerstoneImage();
  if (!image || image.color) return null;
  // The loader usually hands over pixels already rescaled (preScale): then the modality LUT is applied not twice.
  const scaled = Boolean((image as { preScale?: { scaled?: boolean } }).preScale?.scaled);
  return pixelRange(image.getPixelData(), scaled ? 1 : (image.slope ?? 1), scaled ? 0 : (image.intercept ?? 0));
}
