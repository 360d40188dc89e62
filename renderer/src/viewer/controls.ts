import { cache, imageLoader, metaData, type StackViewport } from '@cornerstonejs/core';
import { utilities as toolUtilities } from '@cornerstonejs/tools';
import { stackViewport } from './engine.js';
import { voiRangeOf } from './presets.js';

/** Imperative view commands on one stack viewport, shared by the toolbar, the hotkeys and the tests' UI paths. */

export function applyWindow(viewportId: string, width: number, center: number): void {
  const vp = stackViewport(viewportId);
  if (!vp) return;
  vp.setProperties({ voiRange: voiRangeOf(width, center) });
  vp.render();
}

/**
 * The user's own Invert toggle per viewport. Cornerstone's `invert` property cannot tell it apart from the
 * photometric's: its GPU path reports true for MONOCHROME1, its CPU path false, both showing bone bright.
 */
const userInverted = new Map<string, boolean>();

export function isUserInverted(viewportId: string): boolean {
  return userInverted.get(viewportId) ?? false;
}

/** A new series starts as its photometric intends. */
export function forgetUserInvert(viewportId: string): void {
  userInverted.delete(viewportId);
}

export function toggleInvert(viewportId: string): void {
  const vp = stackViewport(viewportId);
  if (!vp) return;
  const user = !isUserInverted(viewportId);
  userInverted.set(viewportId, user);
  applyInvert(vp, user);
  vp.render();
}

/**
 * Sets the displayed inversion explicitly: the photometric's own (MONOCHROME1 shows high values dark) flipped by
 * the user's toggle. Both Cornerstone paths paint `invert: true` on a MONOCHROME1 image as bone bright, although
 * the CPU path reports false before anything is set, so a relative flip of the reported value would do nothing.
 */
function applyInvert(vp: StackViewport, user: boolean): void {
  const imageId = vp.getCurrentImageId();
  const pixel = imageId ? (metaData.get('imagePixelModule', imageId) as { photometricInterpretation?: string } | undefined) : undefined;
  const monochrome1 = pixel?.photometricInterpretation === 'MONOCHROME1';
  vp.setProperties({ invert: monochrome1 !== user });
}

export function rotateBy(viewportId: string, degrees: number): void {
  const vp = stackViewport(viewportId);
  if (!vp) return;
  const rotation = (((vp.getViewPresentation().rotation ?? 0) + degrees) % 360 + 360) % 360;
  vp.setViewPresentation({ rotation });
  vp.render();
}

export function flip(viewportId: string, axis: 'horizontal' | 'vertical'): void {
  const vp = stackViewport(viewportId);
  if (!vp) return;
  const pres = vp.getViewPresentation();
  vp.setViewPresentation(axis === 'horizontal' ? { flipHorizontal: !pres.flipHorizontal } : { flipVertical: !pres.flipVertical });
  vp.render();
}

export function zoomBy(viewportId: string, factor: number): void {
  const vp = stackViewport(viewportId);
  if (!vp) return;
  vp.setZoom(vp.getZoom() * factor);
  vp.render();
}

/** Back to the file's own window (or the pixels' min/max), no inversion, rotation, flips, zoom or pan. */
export function resetView(viewportId: string): void {
  const vp = stackViewport(viewportId);
  if (!vp) return;
  stopCine(viewportId);
  forgetUserInvert(viewportId);
  vp.setViewPresentation({ rotation: 0, flipHorizontal: false, flipVertical: false });
  vp.resetCamera();
  // Not resetProperties(): on a MONOCHROME1 image its GPU path leaves the picture inverted whatever `invert` says.
  const image = vp.getCornerstoneImage();
  if (image && !image.color) {
    const first = (v: number | number[]) => (Array.isArray(v) ? v[0]! : v);
    vp.setProperties({ voiRange: voiRangeOf(first(image.windowWidth), first(image.windowCenter)) });
  }
  applyInvert(vp, false);
  vp.render();
}

export function scrollBy(viewportId: string, delta: number): void {
  const vp = stackViewport(viewportId);
  if (!vp) return;
  const n = vp.getImageIds().length;
  if (n === 0) return;
  const next = Math.min(n - 1, Math.max(0, vp.getCurrentImageIdIndex() + delta));
  void vp.setImageIdIndex(next);
}

export function jumpTo(viewportId: string, index: number): void {
  const vp = stackViewport(viewportId);
  if (vp && index >= 0 && index < vp.getImageIds().length) void vp.setImageIdIndex(index);
}

/** Goes to image `index` and, once it is shown, applies `voi` (the new image would otherwise bring its own window). */
export async function showImage(viewportId: string, index: number, voi: { center: number; width: number } | null): Promise<void> {
  const vp = stackViewport(viewportId);
  if (!vp || index < 0 || index >= vp.getImageIds().length) return;
  stopCine(viewportId);
  if (vp.getCurrentImageIdIndex() !== index) await vp.setImageIdIndex(index);
  if (voi) applyWindow(viewportId, voi.width, voi.center);
}

export function playCine(viewportId: string, framesPerSecond: number): void {
  const vp = stackViewport(viewportId);
  if (!vp || vp.getImageIds().length < 2) return;
  // Cine only steps to frames already in the cache: for one that is not, Cornerstone debounces the load by 40 ms,
  // and at 25 fps or more the next tick cancels it, so an unloaded clip never moves. Load the whole clip, from
  // the current frame on.
  const ids = vp.getImageIds();
  const from = vp.getCurrentImageIdIndex();
  for (const id of [...ids.slice(from), ...ids.slice(0, from)]) {
    if (!cache.isLoaded(id)) void imageLoader.loadAndCacheImage(id).catch(() => undefined);
  }
  toolUtilities.cine.playClip(vp.element, { framesPerSecond, loop: true });
}

export function stopCine(viewportId: string): void {
  const vp = stackViewport(viewportId);
  if (vp) toolUtilities.cine.stopClip(vp.element);
}

export function isCinePlaying(viewportId: string): boolean {
  const vp = stackViewport(viewportId);
  return Boolean(vp && toolUtilities.cine.getToolState(vp.element)?.intervalId !== undefined);
}
