import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { JobReply, JobRequest } from './protocol.js';

/**
 * The DICOM worker thread: reads, parses, inflates and decodes files for import, thumbnails and instances.render, so
 * the server's event loop never runs a codec. The client (client.ts) sends one job at a time and kills this thread
 * when a job overruns its time or memory.
 */
const port = parentPort;
if (!port) throw new Error('the DICOM worker must run in a worker thread');

// Decoding is background work: on Linux this lowers only this thread, so the server's event loop wins the CPU. It
// comes before the decoders are loaded (a dynamic import), so that loading them is background work too.
const { niceness } = workerData as { niceness: number };
try {
  if (niceness > 0) setPriority(0, Math.min(19, getPriority(0) + niceness));
} catch {
  // not permitted here: run at the process's priority
}
const { indexFile, renderPng, renderRgb, tagsOf, thumbnailPng, viewerFile } = await import('./jobs.js');

async function run(req: JobRequest): Promise<unknown> {
  switch (req.job) {
    case 'index':
      return indexFile(req.args.path);
    case 'thumbnail':
      return thumbnailPng(req.args.path, req.args.size);
    case 'render':
      return renderPng(req.args);
    case 'rgb':
      return renderRgb(req.args);
    case 'tags':
      return tagsOf(req.args.path);
    case 'viewerFile':
      return viewerFile(req.args.path);
  }
}

port.on('message', (req: JobRequest) => {
  run(req).then(
    (value) => port.postMessage({ id: req.id, ok: true, value } satisfies JobReply),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      const code = (err as NodeJS.ErrnoException).code;
      port.postMessage({ id: req.id, ok: false, error: { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) } } satisfies JobReply);
    },
  );
});
