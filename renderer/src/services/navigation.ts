import { useServices } from './context.js';

/** An image to show: its series, the instance and frame within it, and optionally the window to show it at. */
export interface ImageTarget {
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly sopInstanceUid: string;
  /** 0-based frame within the instance; 0 (the default) for single-frame images. */
  readonly frame?: number;
  /** Window center/width to apply once the image is shown; without it the viewport keeps its window. */
  readonly voi?: { readonly center: number; readonly width: number };
  /** Also empty the viewports that show another patient (a case was opened: it is read alone). */
  readonly alone?: boolean;
}

/** What the viewer does with a target: load its series if needed, go to the image, apply the window. */
export type ImageOpener = (target: ImageTarget) => Promise<void>;

/**
 * The way anything in the page (case history, key-image tiles, measurements) asks the viewer to show an image. One of
 * the renderer's services: the viewer attaches itself as the opener; a request made before that waits for it (only the
 * latest one: the viewer should show what was asked last).
 */
export class ViewerNavigation {
  private opener: ImageOpener | null = null;
  private waiting: { target: ImageTarget; settle: (p: Promise<void>) => void } | null = null;

  /** Shows `target` in the viewer; resolves once its series is loaded there, rejects with why it cannot be shown. */
  open(target: ImageTarget): Promise<void> {
    if (this.opener) return this.opener(target);
    return new Promise<void>((resolve, reject) => {
      this.waiting?.settle(Promise.reject(new Error('Superseded by a later request to show an image.')));
      this.waiting = { target, settle: (p) => p.then(resolve, reject) };
    });
  }

  /** The viewer registers how it opens images; returns the detach function. */
  attach(opener: ImageOpener): () => void {
    this.opener = opener;
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting) waiting.settle(opener(waiting.target));
    return () => {
      if (this.opener === opener) this.opener = null;
    };
  }
}

/** The page's viewer navigation (see ViewerNavigation). */
export function useViewerNavigation(): ViewerNavigation {
  return useServices().navigation;
}
