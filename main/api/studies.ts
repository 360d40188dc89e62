import { z } from 'zod';
import { method } from './define.js';

/**
 * The studies contract: importing DICOM into the app database and reading it back for the viewer and the model.
 * Imported files are referenced in place by absolute path (never copied): moving or deleting them after import
 * makes their instances unreadable (the instance URL answers 404 and `instances.render` a `not_found` error).
 */

export const WindowLevelSchema = z.object({ center: z.number(), width: z.number().positive() });

export const ImportFailure = z.object({
  path: z.string(),
  /** Specific and written for the user, e.g. "not a DICOM file (no DICM prefix at byte 128)", "truncated: …". */
  reason: z.string(),
});
export type ImportFailure = z.infer<typeof ImportFailure>;

/** Valid DICOM with nothing to display, by kind (from its SOP Class UID): SR and KO are still listed under their study. */
export const NonImageKind = z.enum(['sr', 'ko', 'pr', 'document', 'waveform', 'dicomdir', 'other']);
export type NonImageKind = z.infer<typeof NonImageKind>;

/** How the import report names each kind, in the order it lists them. */
export const NON_IMAGE_LABEL: Record<NonImageKind, string> = {
  sr: 'structured report',
  ko: 'key object selection',
  pr: 'presentation state',
  document: 'encapsulated report (PDF/CDA)',
  waveform: 'waveform',
  dicomdir: 'DICOMDIR',
  other: 'other non-image object',
};

export const NonImage = ImportFailure.extend({ kind: NonImageKind });
export type NonImage = z.infer<typeof NonImage>;

/**
 * Every file an import read lands in exactly one count: once it has ended, imported + duplicates + notImages +
 * failures = done (= total unless cancelled). While it runs, images are counted a batch at a time. A path that
 * could not be opened or listed, and a file a DICOMDIR names but that is not there, count as one failed file each.
 */
export const ImportReport = z.object({
  taskId: z.string(),
  /** 'running' until the import ends; counts grow as it goes. */
  state: z.enum(['running', 'completed', 'cancelled', 'failed']),
  /** Files examined so far / in all (null while the folders are still being listed). */
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative().nullable(),
  /** New image instances. */
  imported: z.number().int().nonnegative(),
  /** Files whose SOPInstanceUID was already in the database (kept as first imported), images and documents alike. */
  duplicates: z.number().int().nonnegative(),
  /** Broken or unusable files: not DICOM, truncated, missing required attributes, undecodable, missing. */
  failures: z.array(ImportFailure),
  /** Valid DICOM with nothing to display, each with its kind; new SR and KO documents are stored and listed under their study. */
  notImages: z.array(NonImage),
  cancelled: z.boolean(),
});
export type ImportReport = z.infer<typeof ImportReport>;

/** Objects an import added to the database: new images, and new SR and KO documents (listed under their study). */
export function newlyIndexed(r: Pick<ImportReport, 'imported' | 'notImages'>): number {
  return r.imported + r.notImages.filter((n) => n.kind === 'sr' || n.kind === 'ko').length;
}

/** The counts of a report in words, e.g. "3 imported, 1 already present, 2 not images, 1 failed" (kinds: nonImageKinds). */
export function importCounts(r: Pick<ImportReport, 'imported' | 'duplicates' | 'notImages' | 'failures'>): string {
  return `${r.imported} imported, ${r.duplicates} already present, ${r.notImages.length} not ${r.notImages.length === 1 ? 'an image' : 'images'}, ${r.failures.length} failed`;
}

/** "2 structured reports, 1 DICOMDIR": the not-image files per kind, in words. */
export function nonImageKinds(notImages: readonly NonImage[]): string {
  return countNonImages(notImages)
    .map(({ kind, count }) => `${count} ${NON_IMAGE_LABEL[kind]}${count === 1 ? '' : 's'}`)
    .join(', ');
}

/** The not-image files counted per kind, in NON_IMAGE_LABEL's order, leaving out kinds with none. */
export function countNonImages(notImages: readonly NonImage[]): { kind: NonImageKind; count: number }[] {
  return NonImageKind.options.map((kind) => ({ kind, count: notImages.filter((n) => n.kind === kind).length })).filter((c) => c.count > 0);
}

export const SeriesSummary = z.object({
  seriesInstanceUid: z.string(),
  seriesNumber: z.number().nullable(),
  modality: z.string(),
  description: z.string(),
  instanceCount: z.number().int(),
  /** Frames summed over the series' instances (a cine counts each frame). */
  frameCount: z.number().int(),
});
export type SeriesSummary = z.infer<typeof SeriesSummary>;

/** A structured report (SR, Key Object Selection) of a study: listed beside its series, opened with `instances.sr`. */
export const StudyDocument = z.object({
  sopInstanceUid: z.string(),
  seriesInstanceUid: z.string(),
  sopClassUid: z.string(),
  /** The document title: the root concept name (e.g. "Decision support result"). */
  title: z.string(),
  /** ContentDate/Time, DICOM DA and TM. */
  date: z.string(),
  time: z.string(),
});
export type StudyDocument = z.infer<typeof StudyDocument>;

export const StudySummary = z.object({
  studyInstanceUid: z.string(),
  /** DICOM DA, YYYYMMDD, or '' */
  date: z.string(),
  description: z.string(),
  accessionNumber: z.string(),
  modalities: z.array(z.string()),
  series: z.array(SeriesSummary),
  /** Its structured reports (SR, Key Object Selection), newest first: opened with `instances.sr`. */
  documents: z.array(StudyDocument),
});
export type StudySummary = z.infer<typeof StudySummary>;

export const PatientSummary = z.object({
  /** The database's key for the patient: PatientID, or a stand-in when the files have none. */
  key: z.string(),
  patientId: z.string(),
  /** DICOM PN as stored, e.g. "DOE^JANE" */
  name: z.string(),
  birthDate: z.string(),
  sex: z.string(),
  studies: z.array(StudySummary),
});
export type PatientSummary = z.infer<typeof PatientSummary>;

export const InstanceSummary = z.object({
  sopInstanceUid: z.string(),
  instanceNumber: z.number().nullable(),
  frames: z.number().int().positive(),
  rows: z.number().int(),
  columns: z.number().int(),
  /** [row spacing, column spacing] in mm from PixelSpacing (or ImagerPixelSpacing); null when absent. */
  pixelSpacing: z.tuple([z.number(), z.number()]).nullable(),
  /** The file's default window (first of WindowCenter/Width); null when absent (render then uses min/max). */
  window: WindowLevelSchema.nullable(),
  photometric: z.string(),
  transferSyntax: z.string(),
  /** FrameTime (0018,1063) in ms for cine, else null. */
  frameTimeMs: z.number().nullable(),
  /** ImagePositionPatient z-ordering helper: SliceLocation when present. */
  sliceLocation: z.number().nullable(),
  /** The stored file's bytes: '/files/instances/<uid>', served by the web-mode server (same token as every call) and by Electron's app:// scheme. */
  url: z.string(),
});
export type InstanceSummary = z.infer<typeof InstanceSummary>;

export interface TagEntry {
  /** "(0010,0010)" */
  tag: string;
  vr: string;
  /** Keyword from the built-in dictionary (common tags), '(private)' for a private tag, else ''. */
  name: string;
  /** Printable value; a sequence is "<sequence, N items>", binary data is summarised ("<OW, 524288 bytes>"). */
  value: string;
  /** A sequence's items, each the attributes of one item (item delimiters are not attributes, so never listed). */
  items?: TagEntry[][];
}
/** One attribute of an instance as a tree: a sequence holds its items (up to a few levels deep). */
export const TagEntry: z.ZodType<TagEntry> = z.lazy(() =>
  z.object({ tag: z.string(), vr: z.string(), name: z.string(), value: z.string(), items: z.array(z.array(TagEntry)).optional() }),
);

export const RenderedFrame = z.object({
  /** data:image/png;base64,… 8-bit RGB: exactly the pixels the model is given for this frame and window. */
  png: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  /** The window actually applied (given, the file's default, or min/max); null for colour images. */
  window: WindowLevelSchema.nullable(),
});
export type RenderedFrame = z.infer<typeof RenderedFrame>;

const uid = z.string().min(1).max(64);

/**
 * One content item of a structured report, depth-first: the tree flattened with each item's depth, so a reader can
 * indent it. `value` is the item's value in words (text, number with unit, code meaning, person name, date).
 */
export const SrItem = z.object({
  depth: z.number().int().nonnegative(),
  /** CONTAINS, HAS PROPERTIES, INFERRED FROM, … ('' for the root) */
  relationship: z.string(),
  valueType: z.string(),
  /** The concept name's meaning (e.g. "Finding"). */
  concept: z.string(),
  value: z.string(),
  /** NUM only: the unit's code (UCUM) */
  unit: z.string().optional(),
  /** CODE only: scheme and value of the coded answer */
  code: z.object({ scheme: z.string(), value: z.string(), meaning: z.string() }).optional(),
  /** IMAGE and COMPOSITE: the referenced instance (frames 1-based, as DICOM numbers them) */
  reference: z.object({ sopClassUid: z.string(), sopInstanceUid: z.string(), frames: z.array(z.number().int()) }).optional(),
});
export type SrItem = z.infer<typeof SrItem>;

export const SrDocument = z.object({
  sopInstanceUid: z.string(),
  sopClassUid: z.string(),
  title: z.string(),
  patientName: z.string(),
  patientId: z.string(),
  studyInstanceUid: z.string(),
  /** ContentDate and ContentTime */
  date: z.string(),
  time: z.string(),
  completion: z.string(),
  verification: z.string(),
  verifyingObservers: z.array(z.object({ name: z.string(), organization: z.string(), dateTime: z.string() })),
  content: z.array(SrItem),
});
export type SrDocument = z.infer<typeof SrDocument>;

/** One upload call carries at most this much base64 (≈ 48 MiB of files); the renderer batches larger drops. */
export const MAX_UPLOAD_BATCH_BASE64 = 64 * 1024 * 1024;

export const studiesMethods = {
  'studies.import': method(
    z.object({ paths: z.array(z.string().min(1)).min(1) }).strict(),
    z.object({ taskId: z.string() }),
    'Import DICOM files, folders (recursive) and DICOMDIRs by absolute path; returns at once; progress events (type "progress") carry the taskId, then a "done" event.',
  ),
  'studies.importReport': method(
    z.object({ taskId: z.string() }).strict(),
    ImportReport,
    'What an import did so far: imported, duplicates, not images by kind, every failed file with its reason, cancelled; the counts add up to the files read.',
  ),
  'studies.cancelImport': method(
    z.object({ taskId: z.string() }).strict(),
    z.object({ cancelled: z.boolean() }),
    'Stop an import within a second; what it indexed so far stays. cancelled=false when it had already ended.',
  ),
  'studies.list': method(
    z.object({}).strict(),
    z.object({ patients: z.array(PatientSummary) }),
    'Every patient with their studies, series and structured reports (no thumbnails: see series.thumbnail); patients without a study are left out.',
  ),
  'series.thumbnail': method(
    z.object({ seriesInstanceUid: uid }).strict(),
    z.object({ thumbnail: z.string().nullable() }),
    "A series' thumbnail (its middle instance's first frame, 128 px) as a PNG data: URL; null when it could not be drawn.",
  ),
  'series.instances': method(
    z.object({ seriesInstanceUid: uid }).strict(),
    z.object({ instances: z.array(InstanceSummary) }),
    'The instances of a series in display order (InstanceNumber, then SliceLocation), with their file URLs.',
  ),
  'instances.tags': method(
    z.object({ sopInstanceUid: uid }).strict(),
    z.object({ tags: z.array(TagEntry) }),
    'Every attribute of an instance as a tree (sequences hold their items; pixel data summarised) for the tag browser.',
  ),
  'instances.render': method(
    z
      .object({
        sopInstanceUid: uid,
        /** 0-based */
        frame: z.number().int().nonnegative().default(0),
        window: WindowLevelSchema.optional(),
        /**
         * The user's Invert toggle, on top of the photometric's own display: MONOCHROME1 is already shown with
         * high values dark (bone bright). With Cornerstone, whose viewport `invert` is true by default for
         * MONOCHROME1, pass `viewport.getProperties().invert !== (photometric === 'MONOCHROME1')`.
         */
        invert: z.boolean().optional(),
      })
      .strict(),
    RenderedFrame,
    'The 8-bit RGB image the model sees for a frame at a window (main/dicom renderFrame), as a PNG data: URL.',
  ),
  'studies.documents': method(
    z.object({ studyInstanceUid: uid }).strict(),
    z.object({ documents: z.array(StudyDocument) }),
    'The structured reports (DICOM SR, Key Object Selection) imported for a study, newest first.',
  ),
  'instances.sr': method(
    z.object({ sopInstanceUid: uid }).strict(),
    SrDocument,
    'An imported structured report as a readable tree: concept names, values with units, codes, text, image references and the verifying observers.',
  ),
  'studies.upload': method(
    z
      .object({
        /** Omit on the first batch; pass the id it returned to add more files to the same upload. */
        uploadId: z.string().regex(/^[a-z0-9-]{8,64}$/).optional(),
        files: z
          .array(z.object({ name: z.string().min(1).max(255), data: z.string().max(MAX_UPLOAD_BATCH_BASE64) }).strict())
          .min(1)
          .max(1000),
      })
      .strict(),
    z.object({ uploadId: z.string(), directory: z.string(), files: z.number().int() }),
    'Web mode drag and drop: stores dropped files (base64) in the data directory; then studies.import the returned directory.',
  ),
};
