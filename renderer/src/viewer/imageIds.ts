/**
 * The one place that turns an instance's file URL into Cornerstone image ids. Web mode serves
 * `/files/instances/<uid>` from the loopback server (cookie auth, same origin); Electron will serve the same
 * relative URLs through a protocol handler, so only this function would change.
 */
export function instanceImageIds(url: string, numberOfFrames: number): string[] {
  const absolute = new URL(url, document.baseURI).toString();
  if (numberOfFrames <= 1) return [`wadouri:${absolute}`];
  // The wadouri loader reads a 1-based `frame=` parameter off the end of the id.
  const sep = absolute.includes('?') ? '&' : '?';
  return Array.from({ length: numberOfFrames }, (_, i) => `wadouri:${absolute}${sep}frame=${i + 1}`);
}

/** The 0-based frame index an image id addresses (0 for single-frame ids). */
export function frameOfImageId(imageId: string): number {
  const m = /[?&]frame=(\d+)$/.exec(imageId);
  return m ? Number(m[1]) - 1 : 0;
}
