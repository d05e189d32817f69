import { app, BrowserWindow, shell } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { secureWebPreferences } from './window-options';

// out/main/index.js sits next to out/preload and out/renderer in the build and inside app.asar.
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const preloadPath = join(outDir, 'preload', 'index.cjs');
const rendererPath = join(outDir, 'renderer', 'index.html');

function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 900,
    minHeight: 600,
    title: 'Concurrency Lab',
    show: false,
    webPreferences: { ...secureWebPreferences, preload: preloadPath },
  });
  window.once('ready-to-show', () => window.show());

  // The renderer never navigates away from the bundled UI; links to the web open in the browser.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());

  void window.loadFile(rendererPath);
  return window;
}

// A second launch focuses the running lab instead of opening a second database writer.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  app.on('window-all-closed', () => app.quit());

  void app.whenReady().then(() => {
    createMainWindow();
    // macOS keeps the app alive without windows; re-open one when the dock icon is clicked.
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
    });
  });
}
