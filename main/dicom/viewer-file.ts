import { encapsulatedFrameTable, isEncapsulated } from './frame-bytes.js';
import { frameBytes } from './frame-table.js';
import { offsetsOf, replaceEncapsulated } from './encapsulate.js';
import { readImageInfo } from './image-info.js';
import { parseDicom } from './parse.js';

/**
 * The viewer's loader (Cornerstone's dicom-image-loader, in the renderer) trusts a non-empty Basic Offset Table and,
 * without one, guesses frames from JPEG SOI markers only. For a file where that would go wrong (a wrong table; an
 * empty one with fragments ≠ frames) this returns a copy with one fragment per frame, as found by frameTable, and a
 * correct table; null when the file can be served as it is. Used where instance files are served.
 */
export function viewerReadyBytes(bytes: Uint8Array): Uint8Array | null {
  const ds = parseDicom(bytes);
  const info = readImageInfo(ds);
  if (!isEncapsulated(ds, info)) return null;
  const el = ds.elements[info.pixelTag]!;
  const table = encapsulatedFrameTable(ds, info);
  const emptyTable = (el.basicOffsetTable ?? []).length === 0;
  if (table.source === 'offset table' || (emptyTable && table.source === 'one fragment per frame')) return null;
  const frames = table.frames.map((ranges) => frameBytes(ds.byteArray, ranges));
  return replaceEncapsulated(ds.byteArray, el, offsetsOf(frames), frames);
}
