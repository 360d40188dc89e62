import { useSyncExternalStore } from 'react';

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
  readonly markedAt: number;
}

export type NewKeyImage = Omit<KeyImage, 'id' | 'markedAt'>;

type Listener = () => void;

/**
 * The page-wide key-image store: a plain external store (no framework) so the viewer writes to it and the
 * workspace (cases) reads it with `useKeyImages()` or `keyImages.list()` when it starts a run.
 */
class KeyImageStore {
  private items: readonly KeyImage[] = [];
  private readonly listeners = new Set<Listener>();

  list = (): readonly KeyImage[] => this.items;

  add(input: NewKeyImage): KeyImage {
    const item: KeyImage = { ...input, id: `${input.sopInstanceUid}#${input.frame}`, markedAt: Date.now() };
    this.items = [...this.items.filter((k) => k.id !== item.id), item];
    this.emit();
    return item;
  }

  remove(id: string): void {
    const next = this.items.filter((k) => k.id !== id);
    if (next.length === this.items.length) return;
    this.items = next;
    this.emit();
  }

  clear(): void {
    if (this.items.length === 0) return;
    this.items = [];
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

export const keyImages = new KeyImageStore();

/** The current key images; re-renders the caller when they change. */
export function useKeyImages(): readonly KeyImage[] {
  return useSyncExternalStore(keyImages.subscribe, keyImages.list);
}
