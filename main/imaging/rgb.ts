/** An 8-bit RGB image, interleaved (r, g, b per pixel, row-major): what the model and the image library see. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array; // length = width * height * 3
}

/** A display window in the image's modality units (e.g. HU for CT). */
export interface WindowLevel {
  readonly center: number;
  readonly width: number;
}
