import { randomUUID } from 'node:crypto';
import type { AppContext } from '../app/context.js';
import { parseQidoReply } from './dicom-json.js';
import { PacsError, pacsRequest } from './http.js';
import { findNode, type StoredNode } from './nodes.js';
import { where } from './qido.js';
import { caseSr } from './case-sr.js';
import { buildKos } from './kos.js';
import { buildSr, type SrInput } from './sr.js';

/** STOW-RS: stores Part 10 files on a node; throws unless the node accepted every one (PS3.18 10.5). */
export async function stow(node: StoredNode, files: readonly Buffer[], studyUid?: string): Promise<{ stored: number }> {
  const boundary = `medrwr-${randomUUID()}`;
  const parts = files.flatMap((f) => [Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), f, Buffer.from('\r\n')]);
  const bytes = Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]);
  const res = await pacsRequest(node, 'POST', studyUid ? `/studies/${studyUid}` : '/studies', 'application/dicom+json', {
    contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`,
    bytes,
  });
  // The reply is one dataset: ReferencedSOPSequence (stored) and FailedSOPSequence (refused, with a reason code).
  const [reply] = res.body.length ? parseQidoReplyObject(res.body, where(node)) : [];
  const failed = (reply?.['00081198']?.Value ?? []) as Record<string, { Value?: unknown[] }>[];
  if (failed.length > 0) {
    const reasons = failed.map((f) => `${String(f['00081155']?.Value?.[0] ?? '?')} (failure reason ${String(f['00081197']?.Value?.[0] ?? '?')})`);
    throw new PacsError('http_error', `${where(node)} refused ${failed.length} of ${files.length} instance(s): ${reasons.join(', ')}.`);
  }
  return { stored: ((reply?.['00081199']?.Value ?? []) as unknown[]).length || files.length };
}

/** Builds the SR of a result and stores it on a node, in the study of its key images. */
export async function sendSr(ctx: AppContext, nodeId: string, input: SrInput): Promise<{ sopInstanceUid: string; seriesInstanceUid: string }> {
  const node = findNode(ctx.dataDir, nodeId);
  const sr = buildSr(input);
  await stow(node, [sr.bytes], input.study.studyInstanceUid);
  return { sopInstanceUid: sr.sopInstanceUid, seriesInstanceUid: sr.seriesInstanceUid };
}

/**
 * A case's result as an SR, with a Key Object Selection of its key images, stored on a node in one STOW-RS request
 * in the study of the key images (audited as an export).
 */
export async function sendCase(ctx: AppContext, nodeId: string, opts: { caseId: string; runId?: string }): Promise<{ studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string; keyObjectSopInstanceUid: string }> {
  const node = findNode(ctx.dataDir, nodeId); // an unknown node fails before any work
  const sr = await caseSr(ctx, opts);
  const kos = buildKos({ ...sr.input, description: `Key images of the decision support result (${sr.input.decisionSupportLabel})` });
  await stow(node, [sr.bytes, kos.bytes], sr.input.study.studyInstanceUid);
  ctx.services.cases.audit('export', opts.caseId, sr.model.run?.id ?? null, `sr ${sr.sopInstanceUid} and key objects ${kos.sopInstanceUid} sent to ${node.name}`);
  return { studyInstanceUid: sr.input.study.studyInstanceUid, seriesInstanceUid: sr.seriesInstanceUid, sopInstanceUid: sr.sopInstanceUid, keyObjectSopInstanceUid: kos.sopInstanceUid };
}

/** A STOW-RS reply is a single DICOM JSON object, which some servers wrap in a list. */
function parseQidoReplyObject(body: Buffer, whereText: string) {
  const text = body.toString('utf8').trim();
  return parseQidoReply(Buffer.from(text.startsWith('[') ? text : `[${text}]`), whereText);
}
