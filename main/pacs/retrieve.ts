import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RetrieveReport } from '../api/pacs.js';
import { newlyIndexed } from '../api/studies.js';
import type { AppContext } from '../app/context.js';
import { importFinished, startImport } from '../dicom/importer.js';
import { instancePath } from '../dicom/queries.js';
import { parseDicom } from '../dicom/parse.js';
import { PacsError, pacsGet, pacsRequest } from './http.js';
import { MultipartSplitter, multipartBoundary, multipartParts } from './multipart.js';
import { findNode, type StoredNode } from './nodes.js';
import { listInstances, where } from './qido.js';
import type { Task, TaskRegistry } from '../app/tasks.js';

/** Requests in flight (series streams or single instances): enough to hide a round trip, few enough not to load a hospital archive. */
const CONCURRENCY = 4;
const PROGRESS_EVERY_MS = 100;
/** As stored: the server sends each instance in its own transfer syntax, which our decoders cover (see main/dicom/codecs). */
const DICOM_ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*';

/** Where a node's instances are written: one file per SOP instance, so a second retrieve sees what is there. */
export function retrieveDir(ctx: AppContext, studyUid: string): string {
  return join(ctx.dataDir, 'pacs', studyUid);
}

/** Starts a retrieve in the background; returns its task id at once (the node must exist). */
export function startRetrieve(ctx: AppContext, nodeId: string, studyUid: string, seriesUid: string | null): string {
  const node = findNode(ctx.dataDir, nodeId);
  const taskId = `retrieve-${randomUUID()}`;
  const report: RetrieveReport = { taskId, nodeId, studyInstanceUid: studyUid, seriesInstanceUid: seriesUid, state: 'running', total: null, done: 0, fetched: 0, alreadyLocal: 0, bytes: 0, imported: 0, error: null };
  const task: Task<RetrieveReport> = { report, abort: new AbortController(), finished: Promise.resolve() };
  task.finished = run(ctx, node, task).catch((err: unknown) => {
    const cancelled = task.abort.signal.aborted;
    report.state = cancelled ? 'cancelled' : 'failed';
    if (!cancelled) {
      const code = err instanceof PacsError ? err.failure : 'internal';
      report.error = { code, message: (err as Error).message ?? String(err) };
      ctx.logger.log('warn', 'retrieve failed', { taskId, nodeId, error: report.error.message });
      ctx.events.emit({ taskId, type: 'error', code, message: report.error.message });
    }
    ctx.events.emit({ taskId, type: 'done', status: cancelled ? 'cancelled' : 'failed' });
  });
  tasks(ctx).add(taskId, task);
  return taskId;
}

export function retrieveReport(ctx: AppContext, taskId: string): RetrieveReport | undefined {
  return tasks(ctx).report(taskId);
}

/** Stops a retrieve (the instances fetched so far stay on disk for a resume); false when it had ended. */
export function cancelRetrieve(ctx: AppContext, taskId: string): Promise<boolean | undefined> {
  return tasks(ctx).cancel(taskId);
}

export function retrieveFinished(ctx: AppContext, taskId: string): Promise<RetrieveReport | undefined> {
  return tasks(ctx).finished(taskId);
}

async function run(ctx: AppContext, node: StoredNode, task: Task<RetrieveReport>): Promise<void> {
  const { report, abort } = task;
  const { taskId } = report;
  let last = 0;
  const progress = (force = false) => {
    const now = Date.now();
    if (!force && now - last < PROGRESS_EVERY_MS) return;
    last = now;
    ctx.events.emit({ taskId, type: 'progress', label: `Retrieving from ${node.name}: ${(report.bytes / 1e6).toFixed(1)} MB`, done: report.done, total: report.total });
  };
  const instances = await listInstances(node, report.studyInstanceUid, report.seriesInstanceUid, abort.signal);
  report.total = instances.length;
  const dir = retrieveDir(ctx, report.studyInstanceUid);
  const missing = instances.filter(({ seriesUid, sopUid }) => {
    const here = existsSync(join(dir, seriesUid, `${sopUid}.dcm`)) || instancePath(ctx, sopUid) !== undefined;
    if (here) report.alreadyLocal++;
    return !here;
  });
  report.done = report.alreadyLocal;
  progress(true);

  // A series with nothing local comes in one WADO-RS stream (one request instead of one per instance: three times
  // the throughput on loopback); a partly local series fetches only its missing instances, a few at a time.
  const jobs: Job[] = [];
  const bySeries = new Map<string, string[]>();
  for (const m of missing) bySeries.set(m.seriesUid, [...(bySeries.get(m.seriesUid) ?? []), m.sopUid]);
  for (const [seriesUid, sops] of bySeries) {
    const whole = instances.filter((i) => i.seriesUid === seriesUid).length === sops.length;
    if (whole && sops.length > 1) jobs.push({ seriesUid, sops: new Set(sops) });
    else for (const sopUid of sops) jobs.push({ seriesUid, sopUid });
  }

  const save = async (seriesUid: string, sopUid: string, bytes: Buffer) => {
    const folder = join(dir, seriesUid);
    await mkdir(folder, { recursive: true });
    const file = join(folder, `${sopUid}.dcm`);
    await writeFile(file + '.part', bytes); // renamed when whole: a cancelled write never counts as retrieved
    await rename(file + '.part', file);
    report.fetched++;
    report.done++;
    report.bytes += bytes.length;
    progress(report.fetched === 1); // the first instance on disk shows at once, then at most every PROGRESS_EVERY_MS
  };

  // Workers stop at the first failure and all are awaited, so nothing lands on disk after the task has ended.
  const stop = new AbortController();
  const signal = AbortSignal.any([abort.signal, stop.signal]);
  let failure: unknown;
  const worker = async () => {
    for (let job = jobs.shift(); job && !signal.aborted; job = jobs.shift()) {
      try {
        if ('sopUid' in job) await save(job.seriesUid, job.sopUid, await fetchInstance(node, report.studyInstanceUid, job.seriesUid, job.sopUid, signal));
        else {
          const left = await streamSeries(node, report.studyInstanceUid, job.seriesUid, job.sops, save, signal);
          for (const sopUid of left) jobs.push({ seriesUid: job.seriesUid, sopUid }); // a server that left some out
        }
      } catch (err) {
        if (!signal.aborted) failure ??= err;
        stop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, Math.max(jobs.length, 1)) }, worker));
  if (abort.signal.aborted) throw new PacsError('cancelled', 'Cancelled.');
  if (failure !== undefined) throw failure;
  progress(true);

  // Indexed as an import is; the importer skips what the database already holds. From here a cancel answers false:
  // everything is on disk, and stopping half-way would leave part of the study indexed ("nothing is indexed" holds).
  task.committed = true;
  if (existsSync(dir)) {
    ctx.events.emit({ taskId, type: 'progress', label: `Indexing ${report.total} instances from ${node.name}`, done: report.done, total: report.total });
    const importId = startImport(ctx, [report.seriesInstanceUid ? join(dir, report.seriesInstanceUid) : dir]);
    const imported = await importFinished(ctx, importId);
    report.imported = imported ? newlyIndexed(imported) : 0;
  }
  report.state = 'completed';
  ctx.logger.log('info', 'retrieve ended', { taskId, nodeId: node.id, total: report.total, fetched: report.fetched, alreadyLocal: report.alreadyLocal, bytes: report.bytes });
  ctx.events.emit({ taskId, type: 'done', status: 'completed' });
}

type Job = { seriesUid: string; sopUid: string } | { seriesUid: string; sops: Set<string> };

/** Streams a whole series, saving each instance as its part completes; returns the instances the reply lacked. */
async function streamSeries(
  node: StoredNode,
  studyUid: string,
  seriesUid: string,
  sops: Set<string>,
  save: (seriesUid: string, sopUid: string, bytes: Buffer) => Promise<void>,
  signal: AbortSignal,
): Promise<string[]> {
  const left = new Set(sops);
  await pacsRequest(node, 'GET', `/studies/${studyUid}/series/${seriesUid}`, DICOM_ACCEPT, undefined, signal, (headers) => {
    const boundary = multipartBoundary(headers.get('content-type') ?? '');
    if (boundary === null) throw new PacsError('malformed', `${where(node)} sent series ${seriesUid} in a reply that is not multipart/related DICOM (${headers.get('content-type') ?? 'no content type'}).`);
    const splitter = new MultipartSplitter(boundary);
    return async (chunk) => {
      for (const part of splitter.push(chunk)) {
        if (signal.aborted) return; // a cancelled stream saves nothing more from a chunk already received
        const sopUid = sopOf(node, part);
        if (!left.delete(sopUid)) throw new PacsError('malformed', `${where(node)} sent instance ${sopUid}, which series ${seriesUid} does not list (or sent it twice).`);
        await save(seriesUid, sopUid, part);
      }
    };
  });
  return [...left];
}

/** The SOP Instance UID of a part that must be a DICOM Part 10 file. */
function sopOf(node: StoredNode, part: Buffer): string {
  if (part.length < 132 || part.toString('latin1', 128, 132) !== 'DICM') throw new PacsError('malformed', `${where(node)} sent a part that is not a DICOM file (no "DICM" prefix).`);
  try {
    return parseDicom(part, { untilTag: 'x00080019' }).string('x00080018') ?? '';
  } catch (err) {
    throw new PacsError('malformed', `${where(node)} sent a DICOM part that cannot be read (${(err as Error).message}).`);
  }
}

async function fetchInstance(node: StoredNode, studyUid: string, seriesUid: string, sopUid: string, signal: AbortSignal): Promise<Buffer> {
  const res = await pacsGet(node, `/studies/${studyUid}/series/${seriesUid}/instances/${sopUid}`, DICOM_ACCEPT, signal);
  const parts = multipartParts(res.headers.get('content-type') ?? '', res.body);
  const part = parts?.[0];
  if (!part) throw new PacsError('malformed', `${where(node)} sent instance ${sopUid} in a reply that is not multipart/related DICOM (${res.headers.get('content-type') ?? 'no content type'}).`);
  if (part.length < 132 || part.toString('latin1', 128, 132) !== 'DICM') throw new PacsError('malformed', `${where(node)} sent instance ${sopUid} as something that is not a DICOM file (no "DICM" prefix).`);
  return part;
}

/** This process's retrieves; on shutdown the running ones stop (what was fetched stays for a resume), before the database closes. */
function tasks(ctx: AppContext): TaskRegistry<RetrieveReport> {
  return ctx.services.retrieves;
}
