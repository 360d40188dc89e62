import type { AppServices } from './compose.js';
import type { EventBus } from './event-bus.js';
import type { Logger } from './log.js';

/** What every service needs from the process it runs in; built once by each transport's entry point. */
export interface AppContext {
  readonly dataDir: string;
  readonly transport: 'electron' | 'web';
  /** Open a fresh data directory on the bundled demo (studies, model, knowledge base, cases); off for real use. */
  readonly demo: boolean;
  readonly events: EventBus;
  readonly logger: Logger;
  /** The app's services, built by the composition root (`compose.ts`) in dependency order. */
  readonly services: AppServices;
}
