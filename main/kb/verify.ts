import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ApiError } from '../api/errors.js';
import { decodeImage } from '../imaging/decode.js';
import { rebuild } from './integrity.js';
import { FILES, type KbManifest } from './kb-manifest.js';
import { openKnowledgeBase } from './open.js';

export interface KbVerifyReport {
  readonly manifest: KbManifest;
  readonly files: number;
  readonly passages: number;
  readonly images: number;
}

/**
 * `medrwr kb verify`: everything opening checks (paths confined, every file hashed, encoders, HNSW structure, counts),
 * then what only a full pass can: SQLite's integrity check of both databases, the vector file's length, and every
 * stored image and thumbnail decoded. Throws ApiError('unavailable') naming the first problem.
 */
export async function verifyKnowledgeBase(dir: string): Promise<KbVerifyReport> {
  const kb = await openKnowledgeBase(dir);
  const m = kb.manifest;
  await kb.close();
  const vectors = statSync(join(dir, FILES.vectors)).size;
  if (vectors !== m.counts.passages * m.dimension * 4) {
    throw new ApiError('unavailable', `Knowledge base file ${FILES.vectors} in ${dir} holds ${vectors} bytes, not ${m.counts.passages} vectors of dimension ${m.dimension}: ${rebuild(dir)}.`);
  }
  sqliteCheck(dir, FILES.passages, () => undefined);
  let images = 0;
  if (m.images) {
    sqliteCheck(dir, FILES.images, (db) => {
      for (const row of db.prepare('SELECT id, png, thumbnail FROM images ORDER BY label').iterate() as Iterable<{ id: string; png: Buffer; thumbnail: Buffer }>) {
        try {
          decodeImage(row.png);
          decodeImage(row.thumbnail);
        } catch (err) {
          throw new Error(`image ${row.id} does not decode (${(err as Error).message})`);
        }
        images++;
      }
    });
  }
  return { manifest: m, files: Object.keys(m.files).length, passages: m.counts.passages, images };
}

function sqliteCheck(dir: string, name: string, more: (db: Database.Database) => void): void {
  let db: Database.Database | null = null;
  try {
    db = new Database(join(dir, name), { readonly: true, fileMustExist: true });
    const result = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    if (result.join() !== 'ok') throw new Error(`SQLite integrity check: ${result.slice(0, 3).join('; ')}`);
    more(db);
  } catch (err) {
    throw new ApiError('unavailable', `Knowledge base file ${name} in ${dir} is damaged (${(err as Error).message}): ${rebuild(dir)}.`);
  } finally {
    db?.close();
  }
}
