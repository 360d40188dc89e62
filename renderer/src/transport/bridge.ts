/** What Electron's preload exposes as `window.medrwr`; absent in web mode. */
export interface MedrwrBridge {
  call(method: string, params: unknown): Promise<unknown>;
  onEvent(listener: (event: unknown) => void): () => void;
}

declare global {
  interface Window {
    medrwr?: MedrwrBridge;
  }
}
