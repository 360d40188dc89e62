import { FileCheckError, hashPackageFile, type HashOptions } from '../common/hash-file.js';
import { allFiles, ModelPackageError, packagePath, type ModelPackage } from './manifest.js';
import { variantFiles } from './variants.js';

/**
 * Hashes every file of a package in full and refuses the package naming the first file that differs from its manifest
 * sha256. Nothing is trusted from size or mtime: bit rot keeps both. Reads are asynchronous (the caller's thread stays
 * responsive), refuse anything but a regular file, and fail on a stalled read. The app runs this in the background at
 * each launch and gates every answer on it; the CLI awaits it beside the model load (`createEngine`). With `dtype`, only
 * the files that variant reads (its graphs, their external data, the tokenizer): a package holding four variants of a
 * 7B model need not be read four times over before the one that runs may answer.
 */
export async function verifyPackage(pkg: ModelPackage, opts: HashOptions & { dtype?: string } = {}): Promise<{ files: number; bytes: number }> {
  let bytes = 0;
  const files = opts.dtype ? variantFiles(pkg.manifest, opts.dtype) : allFiles(pkg.manifest);
  for (const ref of files) {
    let actual: { sha256: string; bytes: number };
    try {
      actual = await hashPackageFile(packagePath(pkg.dir, ref.path), opts);
    } catch (err) {
      if (!(err instanceof FileCheckError)) throw err;
      throw new ModelPackageError(`model file ${ref.path} in ${pkg.dir} ${err.message === 'is missing' ? 'is missing' : err.message}: re-install the model package.`);
    }
    if (actual.sha256 !== ref.sha256) {
      throw new ModelPackageError(`model file ${ref.path} failed its integrity check: sha256 is ${actual.sha256}, the manifest says ${ref.sha256}. The file is damaged or was changed; re-install the model package (${pkg.dir}).`);
    }
    bytes += actual.bytes;
  }
  return { files: files.length, bytes };
}
