import { app, session } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../main/app/context.js';
import { createAppContext } from '../main/app/create.js';
import { closeServices } from '../main/app/services.js';
import { startBackgroundWork } from '../main/app/start.js';
import { wireIpc } from './ipc.js';
import { installMenu } from './menu.js';
import { APP_ORIGIN, registerAppScheme, serveAppScheme } from './protocol.js';
import { lockDown, secureWindow } from './security.js';

const here = dirname(fileURLToPath(import.meta.url));
const rendererDir = join(here, '..', 'renderer');
const appUrl = `${APP_ORIGIN}/index.html`;

app.enableSandbox();
registerAppScheme();

let ctx: AppContext | null = null;

async function createWindow(): Promise<void> {
  if (!ctx) {
    ctx = createAppContext({ dataDir: join(app.getPath('userData'), 'data'), transport: 'electron' });
    startBackgroundWork(ctx);
  }
  serveAppScheme(ctx, rendererDir);
  // No remote content: only our bundled files may load.
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    const allowed = [`${APP_ORIGIN}/`, 'devtools://', 'blob:', 'data:'].some((prefix) => details.url.startsWith(prefix));
    callback({ cancel: !allowed });
  });
  const window = secureWindow({ width: 1440, height: 900, title: 'Med-RwR Workstation', show: false, preload: join(here, 'preload.cjs') });
  lockDown(window.webContents, appUrl);
  installMenu(window);
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

// Quitting runs the same ordered teardown as Ctrl-C of web mode: runs in flight are recorded interrupted, then the
// engine, knowledge bases and database close. Quit is held until that is done (once).
let tornDown = false;
app.on('before-quit', (event) => {
  if (tornDown || !ctx) return;
  event.preventDefault();
  tornDown = true;
  void closeServices(ctx)
    .catch((err: unknown) => console.error('shutdown:', err))
    .finally(() => app.quit());
});
