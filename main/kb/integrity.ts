import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../api/errors.js';
import { readEncoderManifest } from './encoder-manifest.js';
import { sha256File } from '../common/sha256.js';
import type { KbManifest } from './kb-manifest.js';

export const rebuild = (dir: string) => `rebuild it ("medrwr kb build SRC… --encoder DIR --out ${dir} --force") or restore the folder from a copy`;

/** Checks every file of a knowledge base against its manifest; throws a specific ApiError('unavailable') on the first problem. */
export function verifyFiles(dir: string, manifest: KbManifest): void {
  for (const [name, digest] of Object.entries(manifest.files)) {
    const path = join(dir, name);
    if (!existsSync(path)) throw new ApiError('unavailable', `Knowledge base ${dir} is incomplete: ${name} is missing; ${rebuild(dir)}.`);
    const bytes = statSync(path).size;
    if (bytes !== digest.bytes) {
      throw new ApiError('unavailable', `Knowledge base file ${name} in ${dir} is ${bytes < digest.bytes ? 'truncated' : 'longer than recorded'} (${bytes} bytes, manifest says ${digest.bytes}); it cannot be trusted: ${rebuild(dir)}.`);
    }
    if (sha256File(path) !== digest.sha256) throw new ApiError('unavailable', `Knowledge base file ${name} in ${dir} has been altered (sha256 differs from the manifest); it cannot be trusted: ${rebuild(dir)}.`);
  }
}

/** The encoder must be the very one the KB was built with: same ONNX sha256, same dimension. */
export function checkEmbedder(dir: string, encoderDir: string, expected: KbManifest['embedder'], kbDimension: number, kind: 'text' | 'image'): void {
  const m = readEncoderManifest(encoderDir, kind);
  if (m.onnx.sha256 !== expected.sha256) {
    throw new ApiError(
      'unavailable',
      `Wrong embedder for knowledge base ${dir}: it was built with ${expected.id} ${expected.version} (sha256 ${expected.sha256.slice(0, 12)}…) but ${encoderDir} holds ${m.id} ${m.version} (sha256 ${m.onnx.sha256.slice(0, 12)}…). Vectors from another model are meaningless here: use the encoder it was built with, or rebuild the knowledge base with this one.`,
    );
  }
  if (m.dimension !== kbDimension || expected.dimension !== kbDimension) {
    throw new ApiError('unavailable', `Dimension mismatch in knowledge base ${dir}: its index holds ${kbDimension}-dimensional vectors but the ${kind} encoder ${encoderDir} declares ${m.dimension}; restore the encoder folder or rebuild the knowledge base.`);
  }
}

