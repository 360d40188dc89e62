import { MAX_UPLOAD_BATCH_BASE64 } from '../../../main/api/studies.js';
import type { Client } from '../transport/client.js';

/** A browser drop hides where files live, so web mode sends their bytes (in batches) and imports the upload's folder. */
export async function uploadFiles(client: Client, files: readonly File[]): Promise<string> {
  let uploadId: string | undefined;
  let directory = '';
  let batch: { name: string; data: string }[] = [];
  let batchSize = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const res = await client.call('studies.upload', uploadId ? { uploadId, files: batch } : { files: batch });
    uploadId = res.uploadId;
    directory = res.directory;
    batch = [];
    batchSize = 0;
  };
  for (const file of files) {
    const data = toBase64(new Uint8Array(await file.arrayBuffer()));
    if (data.length > MAX_UPLOAD_BATCH_BASE64) throw new Error(`${file.name} is too large to drop here (${Math.round(file.size / 2 ** 20)} MiB); import its folder by path instead.`);
    if (batchSize + data.length > MAX_UPLOAD_BATCH_BASE64) await flush();
    batch.push({ name: file.name, data });
    batchSize += data.length;
  }
  await flush();
  return directory;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
