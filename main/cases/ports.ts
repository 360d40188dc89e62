import type { ImportReport, TagEntry } from '../api/studies.js';
import type { RgbImage, WindowLevel } from '../imaging/rgb.js';
import type { InstanceLocator } from './measurements.js';
import type { InstanceOwner } from './store.js';

export interface InstanceDescription {
  readonly seriesNumber: number | null;
  readonly modality: string;
  readonly seriesDescription: string;
  readonly instanceNumber: number | null;
  readonly frames: number;
}

/**
 * What cases and reports need of the studies domain. main/dicom implements it (its worker renders and reads the
 * indexed files); the composition root (main/app/compose.ts) wires the two, so neither imports the other.
 */
export interface StudiesPort {
  /** One frame of an indexed instance as RGB at this window, as the viewer shows it (what the model is given). */
  renderRgb(sopInstanceUid: string, opts: { frame: number; window?: WindowLevel; invert: boolean }): Promise<RgbImage>;
  /** The instance's header, as `instances.tags` lists it. */
  tags(sopInstanceUid: string): Promise<TagEntry[]>;
  /** Imports files and folders and waits until the import has ended. */
  importFiles(paths: readonly string[]): Promise<ImportReport>;
  /** The patient and study an indexed instance belongs to (the case store's one-patient rule). */
  readonly owner: InstanceOwner;
  /** The study, series and frame count of an indexed instance (a measurement's image is checked against it). */
  readonly location: InstanceLocator;
  /** Series and image numbers of an indexed instance, as a reader names where a measurement was taken. */
  describe(sopInstanceUid: string): InstanceDescription | undefined;
}

/** Where the app is installed: settings name the model and knowledge base relative to it, and the demo lives there. */
export interface PathsPort {
  readonly installDir: string;
}
