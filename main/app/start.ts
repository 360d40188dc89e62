import { checkPackagesInBackground } from '../cases/engine-reasoner.js';
import { readSettings } from '../cases/settings-store.js';
import type { AppContext } from './context.js';

/**
 * What an app does once it is up, without making anyone wait: the DICOM worker thread starts, and the selected model
 * package is hashed in full in the background (bit rot keeps size and mtime), so its first run can show an answer as
 * soon as the check has passed.
 */
export function startBackgroundWork(ctx: AppContext): void {
  ctx.services.dicom.start(); // its thread starts now, not with the first import or render (a second's start-up)
  try {
    checkPackagesInBackground(ctx, readSettings(ctx.dataDir));
  } catch (err) {
    ctx.logger.log('warn', 'the background package check could not start', { error: String(err) });
  }
}
