import { NON_IMAGE_LABEL, type NonImageKind, type RenderedFrame, type TagEntry } from '../../api/studies.js';
import { encodePng, pngDataUrl } from '../../imaging/decode.js';
import { shrinkToFit } from '../../imaging/resize.js';
import type { WindowLevel } from '../../imaging/rgb.js';
import { DicomError, str } from '../dataset.js';
import { parseDicom } from '../parse.js';
import { dicomdirFiles, isDicomdir } from '../dicomdir.js';
import { readDocumentRecord, type DocumentRecord } from '../document-record.js';
import { nonImageKindOf } from '../sop-kind.js';
import { readDicomFile } from '../read-file.js';
import { readInstanceRecord, type InstanceRecord } from '../record.js';
import { renderDataset, type RenderedImage } from '../render.js';
import { listTags } from '../tags.js';
import { viewerReadyBytes } from '../viewer-file.js';

/**
 * The work import and the viewer hand to the DICOM worker thread (see thread.ts): everything that reads a file's
 * bytes, parses, decompresses or decodes. Plain functions, so tests can also run them in-process.
 */
export type IndexResult =
  | { kind: 'instance'; record: InstanceRecord }
  | { kind: 'document'; record: DocumentRecord; documentKind: 'sr' | 'ko' }
  | { kind: 'dicomdir'; found: string[]; missing: string[] }
  | { kind: 'notImage'; nonImage: NonImageKind; reason: string }
  | { kind: 'failed'; reason: string };

/** What import needs of one file: its index record, the files a DICOMDIR references, or why it is not imported. */
export async function indexFile(path: string): Promise<IndexResult> {
  try {
    const bytes = await readDicomFile(path);
    const ds = parseDicom(bytes);
    if (isDicomdir(ds)) return { kind: 'dicomdir', ...(await dicomdirFiles(ds, path)) };
    const sopClass = str(ds, 'x00080016');
    const kind = nonImageKindOf(sopClass);
    if (kind === 'sr' || kind === 'ko') return { kind: 'document', record: readDocumentRecord(ds, path, bytes.length), documentKind: kind };
    if (kind) return { kind: 'notImage', nonImage: kind, reason: `${NON_IMAGE_LABEL[kind]} (SOP class ${sopClass.replace(/\0/g, '')}): not an image, not shown` };
    return { kind: 'instance', record: readInstanceRecord(ds, path, bytes.length) };
  } catch (err) {
    if (!(err instanceof DicomError)) return { kind: 'failed', reason: `cannot read the file: ${(err as Error).message ?? String(err)}` };
    return /^no pixel data/.test(err.message) ? { kind: 'notImage', nonImage: 'other', reason: err.message } : { kind: 'failed', reason: err.message };
  }
}

/** A series thumbnail: the file's first frame at its default window, longest side `size`, as PNG bytes. */
export async function thumbnailPng(path: string, size: number): Promise<Uint8Array> {
  const image = await renderDataset(parseDicom(await readDicomFile(path)), {});
  return encodePng(shrinkToFit(image, size));
}

export interface RenderRequest {
  path: string;
  frame: number;
  window?: WindowLevel;
  invert?: boolean;
}

/** One frame as the model sees it, as RGB pixels (a key image) … */
export async function renderRgb({ path, frame, window, invert }: RenderRequest): Promise<RenderedImage> {
  return renderDataset(parseDicom(await readDicomFile(path)), { frame, window, invert });
}

/** … or as a PNG data: URL (instances.render). */
export async function renderPng(req: RenderRequest): Promise<RenderedFrame> {
  const image = await renderRgb(req);
  return { png: pngDataUrl(encodePng(image)), width: image.width, height: image.height, window: image.window };
}

/** The attributes of a file for the tag browser (instances.tags); a deflated data set is inflated here, not on the server. */
export async function tagsOf(path: string): Promise<TagEntry[]> {
  return listTags(parseDicom(await readDicomFile(path)));
}

/** An encapsulated file as the viewer's loader can read it (see viewerReadyBytes); null: serve the file as it is. */
export async function viewerFile(path: string): Promise<Uint8Array | null> {
  return viewerReadyBytes(await readDicomFile(path));
}
