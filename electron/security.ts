import { BrowserWindow, type WebContents } from 'electron';

export interface WindowOptions {
  show: boolean;
  title?: string;
  width?: number;
  height?: number;
  /** The bridge script; none for windows whose page needs no API (the PDF print window). */
  preload?: string;
  javascript?: boolean;
}

/**
 * Every window the app opens: its page gets no Node, no remote content, no middle-click windows and only the
 * preload's bridge. The preferences are one literal at the `new BrowserWindow` call so Electronegativity (npm test)
 * can read them; built elsewhere and passed in, they look unset to it.
 */
export function secureWindow(options: WindowOptions): BrowserWindow {
  return new BrowserWindow({
    show: options.show,
    title: options.title,
    width: options.width,
    height: options.height,
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      javascript: options.javascript ?? true,
      disableBlinkFeatures: 'Auxclick',
    },
  });
}

/** Blocks navigation away from the bundled page, new windows and permission requests. */
export function lockDown(contents: WebContents, appUrl: string): void {
  const origin = new URL(appUrl).origin;
  contents.on('will-navigate', (event, url) => {
    if (new URL(url).origin !== origin) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
}
