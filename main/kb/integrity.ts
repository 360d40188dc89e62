import { join } from 'node:path';
import { ApiError } from '../api/errors.js';
import { FileCheckError, hashPackageFile } from '../common/hash-file.js';
import { regularFile } from '../common/package-path.js';
import { readEncoderManifest } from './encoder-manifest.js';
import type { KbManifest } from './kb-manifest.js';

export const rebuild = (dir: string) => `rebuild it ("medrwr kb build SRC… --encoder DIR --out ${dir} --force") or restore the folder from a copy`;

/**
 * Checks every file of a knowledge base against its manifest, hashing each in full (asynchronously, with a stalled-read
 * timeout, refusing anything but a regular file); throws a specific ApiError('unavailable') on the first problem.
 * `readKbManifest` has already confined the names to the folder.
 */
export async function verifyFiles(dir: string, manifest: KbManifest): Promise<void> {
  for (const [name, digest] of Object.entries(manifest.files)) {
    const path = join(dir, name);
    const st = regularFile(path);
    if ('problem' in st) {
      if (st.problem === 'is missing') throw new ApiError('unavailable', `Knowledge base ${dir} is incomplete: ${name} is missing; ${rebuild(dir)}.`);
      throw new ApiError('unavailable', `Knowledge base file ${name} in ${dir} ${st.problem}: ${rebuild(dir)}.`);
    }
    if (st.size !== digest.bytes) {
      throw new ApiError('unavailable', `Knowledge base file ${name} in ${dir} is ${st.size < digest.bytes ? 'truncated' : 'longer than recorded'} (${st.size} bytes, manifest says ${digest.bytes}); it cannot be trusted: ${rebuild(dir)}.`);
    }
    let actual: string;
    try {
      actual = (await hashPackageFile(path)).sha256;
    } catch (err) {
      if (!(err instanceof FileCheckError)) throw err;
      throw new ApiError('unavailable', `Knowledge base file ${name} in ${dir} ${err.message}: ${rebuild(dir)}.`);
    }
    if (actual !== digest.sha256) throw new ApiError('unavailable', `Knowledge base file ${name} in ${dir} has been altered (sha256 differs from the manifest); it cannot be trusted: ${rebuild(dir)}.`);
  }
}

/** The encoder must be the very one the KB was built with: same ONNX sha256, same dimension. */
export async function checkEmbedder(dir: string, encoderDir: string, expected: KbManifest['embedder'], kbDimension: number, kind: 'text' | 'image'): Promise<void> {
  const m = await readEncoderManifest(encoderDir, kind);
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

