import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, session, shell } from 'electron';
import { LabService } from '../service/lab-service';
import { installAppMenu } from './app-menu';
import { registerAppScheme, serveAppProtocol } from './app-protocol';
import { registerContractIpc } from './contract-ipc';
import { APP_ENTRY_URL, isAllowedNavigation, isPermissionGranted, windowOpenDecision } from './security-policy';
import { secureWebPreferences } from './window-options';

// out/main/index.js sits next to out/preload and out/renderer in the build and inside app.asar.
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const preloadPath = join(outDir, 'preload', 'index.cjs');
const rendererRoot = join(outDir, 'renderer');

registerAppScheme();

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

  // The renderer never navigates away from the bundled UI; https links open in the system browser.
  window.webContents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision(url);
    if (decision.openExternally) void shell.openExternal(url);
    return { action: decision.action };
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  window.webContents.on('will-attach-webview', (event) => event.preventDefault());

  void window.loadURL(APP_ENTRY_URL);
  return window;
}

// A second launch focuses the running lab instead of opening a second database writer.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let service: LabService | null = null;

  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  app.on('window-all-closed', () => app.quit());

  // Runs in progress are cancelled and the writer flushed before the process goes.
  let closing = false;
  app.on('will-quit', (event) => {
    if (!service || closing) return;
    closing = true;
    event.preventDefault();
    void service.close().finally(() => app.quit());
  });

  void app.whenReady().then(async () => {
    session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(isPermissionGranted(permission)));
    await serveAppProtocol(rendererRoot);
    // The same history the CLI uses: userData/conlab.db (or CONLAB_DB). Runs execute in a runner process forked
    // from here (Electron as Node: the runAsNode fuse is on); utilityProcess exists only in this main process, so
    // utility actors are forked by the runner and the run records that substitution.
    service = LabService.open({ dbPath: process.env['CONLAB_DB'] || join(app.getPath('userData'), 'conlab.db') });
    service.loadSettings();
    registerContractIpc(service);
    installAppMenu(service);
    createMainWindow();
    // macOS keeps the app alive without windows; re-open one when the dock icon is clicked.
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
    });
  });
}
