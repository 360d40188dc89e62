import type { IndexResult, RenderRequest } from './jobs.js';
import type { RenderedFrame, TagEntry } from '../../api/studies.js';
import type { RenderedImage } from '../render.js';

/** The jobs the DICOM worker runs: arguments and results, by name. */
export interface Jobs {
  index: { args: { path: string }; result: IndexResult };
  thumbnail: { args: { path: string; size: number }; result: Uint8Array };
  render: { args: RenderRequest; result: RenderedFrame };
  /** The same frame as raw RGB (a key image for the model: no PNG round trip). */
  rgb: { args: RenderRequest; result: RenderedImage };
  tags: { args: { path: string }; result: TagEntry[] };
  /** The file rewritten for the viewer's loader when its frame table would mislead it; null: serve it as it is. */
  viewerFile: { args: { path: string }; result: Uint8Array | null };
}
export type JobName = keyof Jobs;

export type JobRequest = { [K in JobName]: { id: number; job: K; args: Jobs[K]['args'] } }[JobName];

/** An error crosses the thread as its name, message and (file system errors) code. */
export interface JobError {
  name: string;
  message: string;
  code?: string;
}

export type JobReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: JobError };
