import { resolveDataDir } from './data-dir.js';
import type { AppContext } from './context.js';
import { EventBus } from './event-bus.js';
import { fileLogger } from './log.js';

export function createAppContext(opts: { dataDir?: string; transport: AppContext['transport']; demo?: boolean }): AppContext {
  const dataDir = resolveDataDir(opts.dataDir);
  return { dataDir, transport: opts.transport, demo: opts.demo ?? true, events: new EventBus(), logger: fileLogger(dataDir) };
}
