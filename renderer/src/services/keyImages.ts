import { useSyncExternalStore } from 'react';
import { useServices } from './context.js';
import { formatPersonName } from '../../../main/api/format.js';
import type { PatientRef } from '../../../main/api/cases.js';

/**
 * A frame the user marked as a model input, with the display state in use when it was marked, so that
 * `instances.render` (main/dicom) produces the same picture the clinician saw.
 */
export interface KeyImage {
  /** `<sopInstanceUid>#<frame>`: marking the same frame again replaces the entry (new window/level wins). */
  readonly id: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  /** 0-based frame within the instance; 0 for single-frame images. */
  readonly frame: number;
  /** The window on screen when marked (for colour images, the 8-bit range Cornerstone shows them at). */
  readonly windowCenter: number;
  readonly windowWidth: number;
  /**
   * The user's Invert toggle on top of the photometric's own display, i.e. exactly `instances.render`'s
   * `invert`: false for a MONOCHROME1 radiograph shown as the file intends (bone bright).
   */
  readonly invert: boolean;
  /** For the strip: e.g. "CT Chest · 12/20". */
  readonly label: string;
  /** Whose image it is (null when not known, e.g. a stored case's image before its studies were indexed). */
  readonly patient: PatientRef | null;
  readonly markedAt: number;
}

export type NewKeyImage = Omit<KeyImage, 'id' | 'markedAt'>;

/** "DEMO, SYNTHETIC (ID DEMO-05)": how a patient is named wherever two could be confused. */
export function describePatient(p: PatientRef): string {
  return `${formatPersonName(p.name)} (ID ${p.patientId || 'none'})`;
}

type Listener = () => void;

/**
 * The page's key-image store, one of the renderer's services: a plain external store (no framework) that the viewer
 * writes to and the workspace (cases) reads, with `useKeyImages()` or `list()` when it starts a run.
 */
export class KeyImageStore {
  private items: readonly KeyImage[] = [];
  /** The open case's patient: a case holds one patient's images, even after its strip was cleared. */
  private owner: PatientRef | null = null;
  private refusal: string | null = null;
  private loads = 0;
  private readonly listeners = new Set<Listener>();

  list = (): readonly KeyImage[] => this.items;

  /** Counts `load`s: a change tells that a case's images came in (as against a frame being marked). */
  loaded = (): number => this.loads;

  /** Why the last marking was refused (null: it was not). */
  refused = (): string | null => this.refusal;

  /** The patient the images belong to: the case's, else that of the images marked so far. */
  patient(): PatientRef | null {
    return this.owner ?? this.items.find((k) => k.patient)?.patient ?? null;
  }

  /** Adds a frame, or refuses one of another patient than the case's (then returns null and `refused()` says why). */
  add(input: NewKeyImage): KeyImage | null {
    const current = this.patient();
    if (input.patient && current && input.patient.key !== current.key) {
      this.refusal = `Not added: this case holds images of ${describePatient(current)}, and this image belongs to ${describePatient(input.patient)}. A case holds one patient's images; start a new case for the other patient.`;
      this.emit();
      return null;
    }
    const item: KeyImage = { ...input, id: `${input.sopInstanceUid}#${input.frame}`, markedAt: Date.now() };
    this.items = [...this.items.filter((k) => k.id !== item.id), item];
    this.refusal = null;
    this.emit();
    return item;
  }

  /** Replaces everything with a case's images and patient (none for a new case). */
  load(images: readonly NewKeyImage[], owner: PatientRef | null): void {
    this.items = [];
    this.owner = owner;
    this.refusal = null;
    this.loads++;
    for (const k of images) this.add(k);
    this.emit();
  }

  dismissRefusal(): void {
    if (this.refusal === null) return;
    this.refusal = null;
    this.emit();
  }

  remove(id: string): void {
    const next = this.items.filter((k) => k.id !== id);
    if (next.length === this.items.length) return;
    this.items = next;
    this.emit();
  }

  /** Empties the strip; the case keeps its patient. */
  clear(): void {
    if (this.items.length === 0 && this.refusal === null) return;
    this.items = [];
    this.refusal = null;
    this.emit();
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private emit(): void {
    for (const l of this.listeners) l();
  }
}

/** The current key images; re-renders the caller when they change. */
export function useKeyImages(): readonly KeyImage[] {
  const { keyImages } = useServices();
  return useSyncExternalStore(keyImages.subscribe, keyImages.list);
}

/** Why the last key image was refused, or null; re-renders the caller when that changes. */
export function useKeyImageRefusal(): string | null {
  const { keyImages } = useServices();
  return useSyncExternalStore(keyImages.subscribe, keyImages.refused);
}

/** The number of case loads so far (see `loaded`). */
export function useKeyImageLoads(): number {
  const { keyImages } = useServices();
  return useSyncExternalStore(keyImages.subscribe, keyImages.loaded);
}
