import { createClient, type Client } from '../transport/client.js';
import { KeyImageStore } from './keyImages.js';
import { ViewerNavigation } from './navigation.js';
import { createPaintTimings, type PaintTimings } from './paintTimings.js';
import { RunEvents } from './runEvents.js';

/**
 * Everything the renderer holds for the page's lifetime, built once before the first render and handed down through
 * `ServicesContext` (context.ts); components and hooks reach them with `useServices()`, never through module state.
 */
export interface Services {
  readonly client: Client;
  /** The frames marked as model inputs: the viewer writes them, the workspace reads them. */
  readonly keyImages: KeyImageStore;
  /** How anything in the page asks the viewer to show an image (series, image, frame, window). */
  readonly navigation: ViewerNavigation;
  /** The one path by which a run's events reach the page (see runEvents.ts). */
  readonly runEvents: RunEvents;
  /** When streamed tokens reached the screen, for bench/workspace.bench.ts; null outside instrumented builds. */
  readonly paints: PaintTimings | null;
}

export function createServices(client: Client = createClient()): Services {
  return {
    client,
    keyImages: new KeyImageStore(),
    navigation: new ViewerNavigation(),
    // Built now, not on the first run: a run's first events can arrive before the reply that names it.
    runEvents: new RunEvents(client),
    // Vite replaces the variable at build time, so a plain build drops the instrumentation altogether.
    paints: import.meta.env.VITE_PAINT_TIMINGS === '1' ? createPaintTimings() : null,
  };
}
