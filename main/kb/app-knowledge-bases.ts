import { resolve } from 'node:path';
import type { AppContext } from '../app/context.js';
import { service } from '../app/services.js';
import { openKnowledgeBase, type KnowledgeBase } from './open.js';

/** Open knowledge bases, one per folder per app; a failed open is not remembered, so fixing the folder and retrying works. */
export function appKnowledgeBase(ctx: AppContext, dir: string): Promise<KnowledgeBase> {
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
