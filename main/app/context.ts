import type { EventBus } from './event-bus.js';
import type { Logger } from './log.js';

/** What every service needs from the process it runs in; built once by each transport's entry point. */
export interface AppContext {
  readonly dataDir: string;
  readonly transport: 'electron' | 'web';
  readonly events: EventBus;
  readonly logger: Logger;
}
