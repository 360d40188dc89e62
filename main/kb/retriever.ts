import type { EvidencePassage } from '../api/run-events.js';
import type { RgbImage } from '../imaging/rgb.js';

export type Passage = EvidencePassage;

/** What the reasoning loop asks while the model thinks (Med-RwR's `<query>`). Local KB and remote `/queries` both implement it. */
export interface TextRetriever {
  /** Identifies the index in provenance: id and version (or the URL of a remote one). */
  readonly description: {
    readonly id: string;
    readonly version: string;
    readonly kind: 'local' | 'remote';
    /** The text encoder behind a local index (its ONNX sha256 identifies it exactly), for provenance. */
    readonly embedder?: { readonly id: string; readonly version: string; readonly sha256: string };
  };
  search(query: string, k: number, signal?: AbortSignal): Promise<Passage[]>;
}

/** The most similar reference image and its caption, for CDIR. */
export interface SimilarImage {
  readonly id: string;
  readonly caption: string;
  readonly source?: string;
  readonly score: number; // cosine similarity
  readonly image: RgbImage;
  /** A small PNG of the image (longest side 128 px) for evidence cards and reports. */
  readonly thumbnailPng?: Uint8Array;
}

export interface ImageRetriever {
  readonly description: { readonly id: string; readonly version: string };
  mostSimilar(image: RgbImage, signal?: AbortSignal): Promise<SimilarImage | null>;
}
