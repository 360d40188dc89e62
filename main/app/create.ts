import { composeApp } from './compose.js';
import type { AppContext } from './context.js';
import { resolveDataDir } from './data-dir.js';
import { EventBus } from './event-bus.js';
import { fileLogger } from './log.js';

/** An app for one entry point (web mode, Electron, a CLI command): its process context and the services composed over it. */
export function createAppContext(opts: { dataDir?: string; transport: AppContext['transport']; demo?: boolean }): AppContext {
  const dataDir = resolveDataDir(opts.dataDir);
  return composeApp({ dataDir, transport: opts.transport, demo: opts.demo ?? true, events: new EventBus(), logger: fileLogger(dataDir) });
}
