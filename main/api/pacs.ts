import { z } from 'zod';
import { method } from './define.js';

/**
 * The PACS contract: DICOMweb nodes the user configures, QIDO-RS queries and WADO-RS retrieves into the data
 * directory. The app talks to no other host: every request goes to a configured node's base URL.
 * Secrets (a password, a bearer token) go in and are never sent back: a node comes back with `hasSecret`.
 */

const dicomWebUrl = z
  .url({ protocol: /^https?$/, error: 'the DICOMweb base URL must be an http(s) URL, e.g. http://pacs.example:8042/dicom-web' })
  .transform((u) => u.replace(/\/+$/, ''));

export const PacsAuthInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  /** password omitted on an update keeps the stored one */
  z.object({ kind: z.literal('basic'), username: z.string().min(1, 'basic authentication needs a user name'), password: z.string().optional() }).strict(),
  z.object({ kind: z.literal('bearer'), token: z.string().optional() }).strict(),
]);
export type PacsAuthInput = z.infer<typeof PacsAuthInput>;

export const PacsAuthView = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('basic'), username: z.string(), hasSecret: z.boolean() }),
  z.object({ kind: z.literal('bearer'), hasSecret: z.boolean() }),
]);

export const MIN_PACS_TIMEOUT_MS = 1000;
export const MAX_PACS_TIMEOUT_MS = 300_000;

export const PacsNodeInput = z
  .object({
    /** absent: a new node */
    id: z.string().min(1).optional(),
    name: z.string().trim().min(1, 'a PACS node needs a name').max(64),
    url: dicomWebUrl,
    auth: PacsAuthInput,
    /** per request */
    timeoutMs: z.number().int().min(MIN_PACS_TIMEOUT_MS, 'the timeout must be at least 1 s').max(MAX_PACS_TIMEOUT_MS, 'the timeout must be at most 300 s').default(30_000),
  })
  .strict();
export type PacsNodeInput = z.input<typeof PacsNodeInput>;

export const PacsNode = z.object({ id: z.string(), name: z.string(), url: z.string(), auth: PacsAuthView, timeoutMs: z.number().int() });
export type PacsNode = z.infer<typeof PacsNode>;

const da = z.string().regex(/^\d{8}$/, 'dates are YYYYMMDD');
const uid = z.string().regex(/^[0-9]+(\.[0-9]+)*$/, 'not a DICOM UID').max(64);

export const StudyQuery = z
  .object({
    nodeId: z.string().min(1),
    /** DICOM PN; `*` and `?` are wildcards, e.g. "DOE^J*" */
    patientName: z.string().max(64).optional(),
    patientId: z.string().max(64).optional(),
    birthDate: da.optional(),
    accessionNumber: z.string().max(16).optional(),
    studyDateFrom: da.optional(),
    studyDateTo: da.optional(),
    modality: z.string().regex(/^[A-Z0-9]{1,16}$/, 'a modality is a code such as CT or MR').optional(),
    limit: z.number().int().min(1).max(1000).default(200),
  })
  .strict();
export type StudyQuery = z.input<typeof StudyQuery>;

export const RemoteStudy = z.object({
  studyInstanceUid: z.string(),
  patientName: z.string(),
  patientId: z.string(),
  birthDate: z.string(),
  date: z.string(),
  accessionNumber: z.string(),
  description: z.string(),
  modalities: z.array(z.string()),
  seriesCount: z.number().int().nullable(),
  instanceCount: z.number().int().nullable(),
  /** The node it was found on; these results are remote until retrieved. */
  nodeId: z.string(),
  /** Instances of this study already in the local database. */
  localInstances: z.number().int(),
});
export type RemoteStudy = z.infer<typeof RemoteStudy>;

export const RemoteSeries = z.object({
  seriesInstanceUid: z.string(),
  seriesNumber: z.number().nullable(),
  modality: z.string(),
  description: z.string(),
  instanceCount: z.number().int().nullable(),
});
export type RemoteSeries = z.infer<typeof RemoteSeries>;

export const RetrieveReport = z.object({
  taskId: z.string(),
  nodeId: z.string(),
  studyInstanceUid: z.string(),
  seriesInstanceUid: z.string().nullable(),
  state: z.enum(['running', 'completed', 'cancelled', 'failed']),
  /** Instances on the node for what was asked (null until listed). */
  total: z.number().int().nullable(),
  /** Instances now local: fetched in this task plus those a previous (cancelled) retrieve or an import left. */
  done: z.number().int(),
  fetched: z.number().int(),
  /** Already in the data directory or the database, so not fetched again. */
  alreadyLocal: z.number().int(),
  bytes: z.number().int(),
  /** After the files are in: what indexing them did (as `studies.import` reports it). */
  imported: z.number().int(),
  /** Why it failed, for the user; the local studies are untouched and the files fetched so far are kept for a resume. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type RetrieveReport = z.infer<typeof RetrieveReport>;

const byId = z.object({ nodeId: z.string().min(1) }).strict();

export const pacsMethods = {
  'pacs.nodes': method(z.object({}).strict(), z.object({ nodes: z.array(PacsNode) }), 'The configured DICOMweb nodes, without their secrets.'),
  'pacs.saveNode': method(PacsNodeInput, PacsNode, 'Add or change a DICOMweb node; a secret left out on a change keeps the stored one. Nothing is contacted.'),
  'pacs.deleteNode': method(byId, z.object({ deleted: z.boolean() }), 'Forget a node and its secret.'),
  'pacs.verify': method(
    byId,
    z.object({ answered: z.string(), server: z.string().nullable(), status: z.number().int(), ms: z.number() }),
    'Ask the node for one study (QIDO-RS) and say what answered; a failure is an error with the specific reason.',
  ),
  'pacs.queryStudies': method(StudyQuery, z.object({ studies: z.array(RemoteStudy) }), 'QIDO-RS: studies by patient name (wildcards), ID, birth date, accession, study date range, modality.'),
  'pacs.querySeries': method(byId.extend({ studyInstanceUid: uid }).strict(), z.object({ series: z.array(RemoteSeries) }), 'QIDO-RS: the series of a remote study.'),
  'pacs.retrieve': method(
    byId.extend({ studyInstanceUid: uid, seriesInstanceUid: uid.optional() }).strict(),
    z.object({ taskId: z.string() }),
    'WADO-RS: fetch a study or series into the data directory, then index it; returns at once, progress events carry the taskId. A repeated retrieve fetches only what is missing.',
  ),
  'pacs.retrieveReport': method(z.object({ taskId: z.string() }).strict(), RetrieveReport, 'Where a retrieve stands: counts, bytes, state, the error if any.'),
  'pacs.sendCase': method(
    byId.extend({ caseId: z.string().min(1), runId: z.string().min(1).optional() }).strict(),
    z.object({ studyInstanceUid: z.string(), seriesInstanceUid: z.string(), sopInstanceUid: z.string(), keyObjectSopInstanceUid: z.string() }),
    "STOW-RS: the case's result (latest run unless runId) as a DICOM Comprehensive SR, with a Key Object Selection of its key images, stored in their study.",
  ),
  'pacs.cancelRetrieve': method(z.object({ taskId: z.string() }).strict(), z.object({ cancelled: z.boolean() }), 'Stop a retrieve; the files fetched so far stay for a resume, nothing is indexed. False once it has ended or is indexing what it fetched (too late to undo).'),
};
