import { app, BrowserWindow, session } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createAppContext } from '../main/app/create.js';
import { CONTENT_SECURITY_POLICY } from '../main/server/csp.js';
import { wireIpc } from './ipc.js';
import { lockDown, secureWebPreferences } from './security.js';

const here = dirname(fileURLToPath(import.meta.url));
const rendererIndex = join(here, '..', 'renderer', 'index.html');
const appUrl = pathToFileURL(rendererIndex).href;

app.enableSandbox();

async function createWindow(): Promise<void> {
  const ctx = createAppContext({ dataDir: join(app.getPath('userData'), 'data'), transport: 'electron' });
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  // No remote content: only our bundled files may load.
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    const allowed = details.url.startsWith('file://') || details.url.startsWith('devtools://') || details.url.startsWith('blob:') || details.url.startsWith('data:');
    callback({ cancel: !allowed });
  });
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    title: 'Med-RwR Workstation',
    show: false,
    webPreferences: secureWebPreferences(join(here, 'preload.cjs')),
  });
  lockDown(window.webContents, appUrl);
  const unwire = wireIpc(ctx, window, appUrl);
  window.on('closed', unwire);
  window.once('ready-to-show', () => window.show());
  await window.loadURL(appUrl);
}

app.whenReady().then(createWindow, (err: unknown) => {
  console.error(err);
  app.exit(1);
});
app.on('window-all-closed', () => app.quit());
