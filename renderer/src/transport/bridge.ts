/** What Electron's preload exposes as `window.medrwr`; absent in web mode. */
export interface MedrwrBridge {
  call(method: string, params: unknown): Promise<unknown>;
  onEvent(listener: (event: unknown) => void): () => void;
  /** Where dropped files live on disk (Electron knows; a browser page cannot). '' where unknown. */
  pathsForFiles(files: File[]): string[];
  /** Application-menu commands (File → Open gives `{ type: 'import', paths }`). */
  onMenu(listener: (command: unknown) => void): () => void;
}

declare global {
  interface Window {
    medrwr?: MedrwrBridge;
  }
}
