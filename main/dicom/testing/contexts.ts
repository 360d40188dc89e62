import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { AppContext } from '../../app/context.js';
import { createAppContext } from '../../app/create.js';
import { closeServices } from '../../app/services.js';

/** Web-mode app contexts for one test file, each in its own data folder; all closed and removed after its tests. */
export function scratchContexts(label: string): () => AppContext {
  const contexts: AppContext[] = [];
  afterAll(async () => {
    for (const ctx of contexts) {
      await closeServices(ctx);
      rmSync(ctx.dataDir, { recursive: true, force: true });
    }
  });
  return () => {
    const ctx = createAppContext({ dataDir: mkdtempSync(join(tmpdir(), `medrwr-${label}-`)), transport: 'web' });
    contexts.push(ctx);
    return ctx;
  };
}
