import { ipcMain, type BrowserWindow } from 'electron';
import { ApiError } from '../main/api/errors.js';
import type { AppContext } from '../main/app/context.js';
import { dispatch } from '../main/app/dispatch.js';
import { exportPdfWithChromium, wantsPdf } from './pdf.js';

export const CALL_CHANNEL = 'medrwr:call';
export const EVENT_CHANNEL = 'medrwr:event';

/** Every renderer request goes through `dispatch`, which validates it against the contract. */
export function wireIpc(ctx: AppContext, window: BrowserWindow, appUrl: string): () => void {
  ipcMain.handle(CALL_CHANNEL, async (event, name: unknown, params: unknown) => {
    if (!event.senderFrame || new URL(event.senderFrame.url).origin !== new URL(appUrl).origin) throw new Error('IPC from an unexpected frame');
    try {
      const method = String(name);
      return { ok: true, result: wantsPdf(method, params) ? await exportPdfWithChromium(ctx, params) : await dispatch(ctx, method, params) };
    } catch (err) {
      return { ok: false, error: (err instanceof ApiError ? err : new ApiError('internal', String(err))).toBody() };
    }
  });
  const unsubscribe = ctx.events.subscribe((ev) => {
    if (!window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, ev);
  });
  return () => {
    unsubscribe();
    ipcMain.removeHandler(CALL_CHANNEL);
  };
}
