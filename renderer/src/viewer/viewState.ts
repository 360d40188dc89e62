import { useSyncExternalStore } from 'react';
import { metaData, type StackViewport, type Types } from '@cornerstonejs/core';
import { edgeMarkers, type EdgeMarkers, type Vec3 } from './orientation.js';

type Point3 = Types.Point3;
import { windowOfVoiRange } from './presets.js';
import { isCinePlaying, isUserInverted } from './controls.js';

/** What the overlays and the toolbar show for one viewport, read back from Cornerstone after each render. */
export interface ViewState {
  /** The image on screen (Cornerstone's id): what the overlays and the window menu describe. */
  readonly imageId: string | null;
  readonly index: number;
  readonly total: number;
  readonly window: { readonly width: number; readonly center: number } | null;
  /** Cornerstone's invert flag (its meaning for MONOCHROME1 differs between its GPU and CPU paths). */
  readonly invert: boolean;
  /** The user's Invert toggle on top of the photometric's own display (what `instances.render` takes). */
  readonly userInvert: boolean;
  readonly zoom: number;
  readonly rotation: number;
  readonly flipHorizontal: boolean;
  readonly flipVertical: boolean;
  readonly playing: boolean;
  /** Where the image lies on the canvas (CSS px): lets the overlays show true scale and tests map pixels. */
  readonly imageRect: { readonly x: number; readonly y: number; readonly width: number; readonly height: number } | null;
  /** Screen pixels per image pixel (1 = 100 %). */
  readonly scale: number | null;
  /** Patient directions at the screen's edges, as shown now; null when the file has no ImageOrientationPatient. */
  readonly markers: EdgeMarkers | null;
}

export function readViewState(viewportId: string, vp: StackViewport): ViewState {
  const props = vp.getProperties();
  const pres = vp.getViewPresentation();
  return {
    imageId: vp.getCurrentImageId() ?? null,
    index: vp.getCurrentImageIdIndex(),
    total: vp.getImageIds().length,
    window: props.voiRange ? windowOfVoiRange(props.voiRange) : null,
    invert: Boolean(props.invert),
    userInvert: isUserInverted(viewportId),
    zoom: Math.round(vp.getZoom() * 100) / 100,
    rotation: Math.round(pres.rotation ?? 0),
    flipHorizontal: Boolean(pres.flipHorizontal),
    flipVertical: Boolean(pres.flipVertical),
    playing: isCinePlaying(viewportId),
    ...imageGeometry(vp),
    markers: markersOnScreen(vp),
  };
}

/**
 * Where the screen's right and down point in patient space, read through the viewport's own canvas-to-world mapping,
 * so rotation and flips (on either render path) are accounted for exactly as painted.
 */
function markersOnScreen(vp: StackViewport): EdgeMarkers | null {
  const imageId = vp.getCurrentImageId();
  const plane = imageId ? (metaData.get('imagePlaneModule', imageId) as { rowCosines?: number[] | null } | undefined) : undefined;
  // Without the file's own orientation Cornerstone assumes an axial plane: no markers rather than made-up ones.
  if (!plane?.rowCosines) return null;
  const o = vp.canvasToWorld([0, 0]);
  const r = vp.canvasToWorld([100, 0]);
  const d = vp.canvasToWorld([0, 100]);
  if (!o || !r || !d) return null;
  const right: Vec3 = [r[0] - o[0], r[1] - o[1], r[2] - o[2]];
  const down: Vec3 = [d[0] - o[0], d[1] - o[1], d[2] - o[2]];
  return edgeMarkers(right, down);
}

function imageGeometry(vp: StackViewport): Pick<ViewState, 'imageRect' | 'scale'> {
  const image = vp.getCornerstoneImage();
  const data = vp.getImageData()?.imageData as { indexToWorld?: (p: Point3) => Point3 } | undefined;
  if (!image || !data?.indexToWorld) return { imageRect: null, scale: null };
  // Index (i, j) is a pixel centre, so the image's outer corners are at -0.5 and size - 0.5. The viewport's own
  // image data knows its geometry even for projection images without ImagePositionPatient (CR, XA, US).
  const a = vp.worldToCanvas(data.indexToWorld([-0.5, -0.5, 0]));
  const b = vp.worldToCanvas(data.indexToWorld([image.columns - 0.5, image.rows - 0.5, 0]));
  const x = Math.min(a[0], b[0]);
  const y = Math.min(a[1], b[1]);
  const width = Math.abs(b[0] - a[0]);
  const height = Math.abs(b[1] - a[1]);
  const r = (v: number) => Math.round(v * 100) / 100;
  return { imageRect: { x: r(x), y: r(y), width: r(width), height: r(height) }, scale: r(Math.max(width, height) / Math.max(image.columns, image.rows)) };
}

type Listener = () => void;
const states = new Map<string, ViewState>();
const listeners = new Set<Listener>();

function sameState(a: ViewState | undefined, b: ViewState): boolean {
  return !!a && (Object.keys(b) as (keyof ViewState)[]).every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

export const viewStates = {
  set(viewportId: string, state: ViewState): void {
    if (sameState(states.get(viewportId), state)) return;
    states.set(viewportId, state);
    for (const l of listeners) l();
  },
  drop(viewportId: string): void {
    if (states.delete(viewportId)) for (const l of listeners) l();
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function useViewState(viewportId: string | undefined): ViewState | undefined {
  return useSyncExternalStore(viewStates.subscribe, () => (viewportId ? states.get(viewportId) : undefined));
}
