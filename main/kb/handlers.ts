import type { Handler } from '../app/handlers.js';

type KbMethod = 'kb.info' | 'kb.search';

export const kbHandlers: { [M in KbMethod]: Handler<M> } = {
  'kb.info': async ({ dir }, ctx) => {
    const kb = await ctx.services.knowledgeBases.get(dir);
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
    const kb = await ctx.services.knowledgeBases.get(dir);
    return { passages: await kb.search(query, { k: k ?? 3, mode: mode ?? 'hybrid', ...(sources ? { sources } : {}) }) };
  },
};
