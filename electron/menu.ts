import { app, dialog, Menu, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';

export const MENU_CHANNEL = 'medrwr:menu';

/** The application menu; File → Open picks files or a folder natively and hands the paths to the page's importer. */
export function installMenu(window: BrowserWindow): void {
  const open = async (properties: ('openFile' | 'openDirectory' | 'multiSelections')[]) => {
    const picked = await dialog.showOpenDialog(window, { title: 'Import DICOM', properties });
    if (!picked.canceled && picked.filePaths.length > 0) window.webContents.send(MENU_CHANNEL, { type: 'import', paths: picked.filePaths });
  };
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Open Files…', accelerator: 'CmdOrCtrl+O', click: () => void open(['openFile', 'multiSelections']) },
        { label: 'Open Folder…', accelerator: 'CmdOrCtrl+Shift+O', click: () => void open(['openDirectory', 'multiSelections']) },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { label: 'View', submenu: [{ role: 'reload' }, { role: 'togglefullscreen' }, ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' } as const])] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
