import { contextBridge, ipcRenderer, webUtils } from 'electron';

// Kept in step with ipc.ts; a sandboxed preload cannot import project modules.
const CALL_CHANNEL = 'medrwr:call';
const EVENT_CHANNEL = 'medrwr:event';
const MENU_CHANNEL = 'medrwr:menu';

/** The whole surface the page sees: one call and one event subscription, both carrying contract data. */
contextBridge.exposeInMainWorld('medrwr', {
  call: (method: string, params: unknown): Promise<unknown> => ipcRenderer.invoke(CALL_CHANNEL, method, params),
  onEvent: (listener: (event: unknown) => void): (() => void) => {
    const wrapped = (_e: unknown, event: unknown) => listener(event);
    ipcRenderer.on(EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
  },
  pathsForFiles: (files: File[]): string[] => files.map((file) => webUtils.getPathForFile(file)),
  onMenu: (listener: (command: unknown) => void): (() => void) => {
    const wrapped = (_e: unknown, command: unknown) => listener(command);
    ipcRenderer.on(MENU_CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(MENU_CHANNEL, wrapped);
  },
});
