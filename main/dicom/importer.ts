import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { NON_IMAGE_LABEL, type ImportReport } from '../api/studies.js';
import type { AppContext } from '../app/context.js';
import { DicomError } from './dataset.js';
import type { InstanceRecord } from './record.js';
import { StudyStore } from './store.js';
import type { IndexResult } from './worker/jobs.js';
import type { Task, TaskRegistry } from '../app/tasks.js';

const BATCH = 200; // records per transaction
const PROGRESS_EVERY_MS = 100;
const THUMBNAIL_SIZE = 128;

/**
 * Starts importing files, folders (recursively) and DICOMDIRs in the background and returns its task id at once.
 * Files are referenced in place by absolute path. Progress goes out as events; `importReport` tells the rest.
 */
export function startImport(ctx: AppContext, paths: readonly string[]): string {
  const relative = paths.find((p) => !isAbsolute(p));
  if (relative !== undefined) throw new DicomError(`import paths must be absolute; got "${relative}"`);
  const taskId = `import-${randomUUID()}`;
  const abort = new AbortController();
  const report: ImportReport = { taskId, state: 'running', done: 0, total: null, imported: 0, duplicates: 0, failures: [], notImages: [], cancelled: false };
  const task: Task<ImportReport> = { report, abort, finished: Promise.resolve() };
  task.finished = runImport(ctx, task, paths.map((p) => resolve(p))).catch((err: unknown) => {
    report.state = 'failed';
    ctx.logger.log('error', 'import failed', { taskId, error: String(err) });
    ctx.events.emit({ taskId, type: 'error', code: 'internal', message: `Import failed: ${(err as Error).message ?? String(err)}` });
    ctx.events.emit({ taskId, type: 'done', status: 'failed' });
  });
  tasks(ctx).add(taskId, task);
  return taskId;
}

export function importReport(ctx: AppContext, taskId: string): ImportReport | undefined {
  return tasks(ctx).report(taskId);
}

/** Asks an import to stop and waits until it has (at once: the file in the worker is abandoned); false if it had ended. */
export function cancelImport(ctx: AppContext, taskId: string): Promise<boolean | undefined> {
  return tasks(ctx).cancel(taskId);
}

/** Waits for an import to end (for the CLI and tests). */
export function importFinished(ctx: AppContext, taskId: string): Promise<ImportReport | undefined> {
  return tasks(ctx).finished(taskId);
}

async function runImport(ctx: AppContext, task: Task<ImportReport>, roots: string[]): Promise<void> {
  const { report, abort } = task;
  const { taskId } = report;
  const store = new StudyStore(ctx.services.db);
  let lastProgress = 0;
  const progress = (force = false) => {
    const now = Date.now();
    if (!force && now - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = now;
    ctx.events.emit({ taskId, type: 'progress', label: report.total === null ? 'Listing files' : 'Importing DICOM', done: report.done, total: report.total });
  };

  // Every entry is one file read: a path, or one that could not be opened, listed or found (it fails when its turn comes).
  const queue: QueueEntry[] = [];
  const queued = new Set<string>();
  const enqueue = (path: string, failure?: string) => {
    if (!queued.has(path)) {
      queued.add(path);
      queue.push({ path, failure });
    }
  };
  for (const root of roots) {
    if (abort.signal.aborted) break;
    await collect(root, enqueue, abort.signal, progress);
  }
  report.total = queue.length;
  progress(true);

  let batch: InstanceRecord[] = [];
  const flush = () => {
    const fresh = store.insertAll(batch);
    for (const isNew of fresh) {
      if (isNew) report.imported++;
      else report.duplicates++;
    }
    batch = [];
  };
  const worker = ctx.services.dicom;
  for (let i = 0; i < queue.length && !abort.signal.aborted; i++) {
    const { path, failure } = queue[i]!;
    let result: IndexResult;
    // One stat tells a file indexed before and unchanged since: a duplicate without reading or parsing it.
    const stamp = failure === undefined ? await stat(path).catch(() => undefined) : undefined;
    if (stamp && store.holdsFile(path, stamp.size, stamp.mtimeMs)) {
      report.duplicates++;
      report.done = i + 1;
      progress();
      continue;
    }
    if (failure !== undefined) result = { kind: 'failed', reason: failure };
    else {
      try {
        result = await worker.run('index', { path }, abort.signal);
      } catch (err) {
        if (abort.signal.aborted) break;
        result = { kind: 'failed', reason: err instanceof DicomError ? err.message : `cannot read the file: ${(err as Error).message}` };
      }
    }
    switch (result.kind) {
      case 'instance':
        batch.push({ ...result.record, instance: { ...result.record.instance, fileMtimeMs: stamp?.mtimeMs } });
        if (batch.length >= BATCH) flush();
        break;
      case 'document':
        if (store.insertDocument({ ...result.record, document: { ...result.record.document, fileMtimeMs: stamp?.mtimeMs } })) report.notImages.push({ path, kind: result.documentKind, reason: `${NON_IMAGE_LABEL[result.documentKind]}: listed under its study` });
        else report.duplicates++;
        break;
      case 'dicomdir':
        for (const m of result.missing) enqueue(m, `referenced by the DICOMDIR ${path} but not found`);
        result.found.forEach((f) => enqueue(f));
        report.total = queue.length;
        report.notImages.push({ path, kind: 'dicomdir', reason: `DICOMDIR: an index of ${result.found.length + result.missing.length} file(s), imported through it` });
        break;
      case 'notImage':
        report.notImages.push({ path, kind: result.nonImage, reason: result.reason });
        break;
      case 'failed':
        report.failures.push({ path, reason: result.reason });
    }
    report.done = i + 1;
    progress();
  }
  flush();
  if (!abort.signal.aborted) await makeThumbnails(ctx, store, abort.signal);
  report.cancelled = abort.signal.aborted;
  report.state = report.cancelled ? 'cancelled' : 'completed';
  progress(true);
  ctx.logger.log('info', 'import ended', { taskId, state: report.state, imported: report.imported, duplicates: report.duplicates, notImages: report.notImages.length, failures: report.failures.length });
  ctx.events.emit({ taskId, type: 'done', status: report.cancelled ? 'cancelled' : 'completed' });
}

interface QueueEntry {
  path: string;
  /** Set when the path is known to be unreadable before its turn (missing, not a file, a folder that cannot be listed). */
  failure?: string;
}

/** Lists a path: a file is queued; a folder is walked recursively (hidden entries included, links not followed). */
async function collect(root: string, enqueue: (path: string, failure?: string) => void, signal: AbortSignal, progress: () => void): Promise<void> {
  let info;
  try {
    info = await stat(root);
  } catch (err) {
    return enqueue(root, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : `cannot open: ${(err as Error).message}`);
  }
  if (info.isFile()) return enqueue(root);
  if (!info.isDirectory()) return enqueue(root, 'not a regular file or folder');
  const stack = [root];
  while (stack.length > 0 && !signal.aborted) {
    const dir = stack.pop()!;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      enqueue(dir, `cannot list the folder: ${(err as Error).message}`);
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) stack.push(full);
      else if (e.isFile()) enqueue(full);
    }
    progress();
  }
}

/** Draws the missing series thumbnails from each series' middle instance at its default window, in the DICOM worker. */
async function makeThumbnails(ctx: AppContext, store: StudyStore, signal: AbortSignal): Promise<void> {
  for (const { seriesUid, path } of store.seriesNeedingThumbnails()) {
    if (signal.aborted) return;
    try {
      store.setThumbnail(seriesUid, Buffer.from(await ctx.services.dicom.run('thumbnail', { path, size: THUMBNAIL_SIZE }, signal)));
    } catch (err) {
      if (signal.aborted) return;
      ctx.logger.log('warn', 'thumbnail failed', { seriesUid, path, error: String((err as Error).message ?? err) });
      store.setThumbnail(seriesUid, null);
    }
  }
}

/** This process's imports; on shutdown the running ones are cancelled (what they indexed stays), before the database closes. */
function tasks(ctx: AppContext): TaskRegistry<ImportReport> {
  return ctx.services.imports;
}
