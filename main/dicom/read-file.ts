import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { BUDGET, mib } from './budget.js';
import { DicomError, NOT_PART10 } from './dataset.js';

/**
 * Reads a DICOM Part 10 file whole, but only after its first 132 bytes show the "DICM" prefix: a large file that is
 * not DICOM (a video, a disk image) costs one small read, not its size in memory. Throws a DicomError with the reason.
 */
export async function readDicomFile(path: string): Promise<Buffer> {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is then refused as not a regular file).
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await file.stat();
    if (!info.isFile()) throw new DicomError('not a regular file');
    const head = Buffer.alloc(132);
    const { bytesRead } = await file.read(head, 0, 132, 0);
    if (bytesRead < 132 || head.toString('latin1', 128, 132) !== 'DICM') throw new DicomError(NOT_PART10);
    if (info.size > BUDGET.fileBytes) throw new DicomError(`the file is ${mib(info.size)}, more than the ${mib(BUDGET.fileBytes)} one DICOM file may have here`);
    const bytes = Buffer.allocUnsafe(info.size);
    let at = 0;
    while (at < info.size) {
      const { bytesRead: n } = await file.read(bytes, at, info.size - at, at);
      if (n === 0) break;
      at += n;
    }
    // The file shrank while we read it: what we have is all there is.
    return at === info.size ? bytes : bytes.subarray(0, at);
  } finally {
    await file.close();
  }
}
