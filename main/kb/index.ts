/** The knowledge-base module's public API (DESIGN §6). */
export { buildKnowledgeBase, type BuildOptions, type BuildResult } from './build.js';
export { openKnowledgeBase, type KnowledgeBase, type OpenOptions } from './open.js';
export { addImages, type AddImagesOptions } from './image-library.js';
export { RemoteTextRetriever, type RemoteOptions } from './remote-retriever.js';
export { serveQueries } from './queries-server.js';
export { readKbManifest, type KbManifest } from './kb-manifest.js';
export { SEARCH_MODES, type SearchMode, type SearchOptions } from './local-retriever.js';
export type { TextRetriever, ImageRetriever, Passage, SimilarImage } from './retriever.js';
