import { resolve } from 'node:path';
import type { Handler } from '../app/handlers.js';
import { service } from '../app/services.js';
import type { AppContext } from '../app/context.js';
import { openKnowledgeBase, type KnowledgeBase } from './open.js';

type KbMethod = 'kb.info' | 'kb.search';

/** Open knowledge bases, one per folder per app; a failed open is not remembered, so fixing the folder and retrying works. */
function openKb(ctx: AppContext, dir: string): Promise<KnowledgeBase> {
  const cache = service(ctx, 'kb.open', () => new Map<string, Promise<KnowledgeBase>>(), async (m) => {
    for (const kb of m.values()) await kb.then((k) => k.close()).catch(() => undefined);
  });
  const key = resolve(dir);
  let kb = cache.get(key);
  if (!kb) {
    kb = openKnowledgeBase(key);
    cache.set(key, kb);
    kb.catch(() => cache.delete(key));
  }
  return kb;
}

export const kbHandlers: { [M in KbMethod]: Handler<M> } = {
  'kb.info': async ({ dir }, ctx) => {
    const kb = await openKb(ctx, dir);
    const m = kb.manifest;
    return {
      dir: kb.dir,
      id: m.id,
      version: m.version,
      built: m.built,
      embedder: { id: m.embedder.id, version: m.embedder.version, sha256: m.embedder.sha256 },
      dimension: m.dimension,
      counts: m.counts,
      images: m.images ? { count: m.images.count, embedder: m.images.embedder.id } : null,
    };
  },
  'kb.search': async ({ dir, query, k, mode, sources }, ctx) => {
    const kb = await openKb(ctx, dir);
    return { passages: await kb.search(query, { k: k ?? 3, mode: mode ?? 'hybrid', ...(sources ? { sources } : {}) }) };
  },
};
