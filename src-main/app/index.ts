import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, session, shell } from 'electron';
import { LabService } from '../service/lab-service';
import { installAppMenu } from './app-menu';
import { registerAppScheme, serveAppProtocol } from './app-protocol';
import { registerContractIpc } from './contract-ipc';
import { APP_ENTRY_URL, isAllowedNavigation, isPermissionGranted, windowOpenDecision } from './security-policy';
import { electronUtilityHost } from './utility-host';
import { selectSqliteAddon, STARTUP_FAILED_EXIT_CODE, startupFailureMessage } from './startup';
import { secureWebPreferences, windowIconPath } from './window-options';
import { importSamplesOnFirstStart } from './first-start-samples';

// out/main/index.js sits next to out/preload and out/renderer in the build and inside app.asar.
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const preloadPath = join(outDir, 'preload', 'index.cjs');
const rendererRoot = join(outDir, 'renderer');

function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 900,
    minHeight: 600,
    title: 'Concurrency Lab',
    icon: windowIconPath(join(outDir, '..')),
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

  // Until the first window exists, any failure is fatal: shown once, then the app exits with
  // STARTUP_FAILED_EXIT_CODE, so a launcher (npm start) sees it and can fall back. Electron's own
  // handler would show an error box and keep an invisible app running forever.
  let addonPath: string | null = null;
  let failed = false;
  const failStartup = (error: unknown): void => {
    if (failed) return;
    failed = true;
    const message = startupFailureMessage(error, { addonPath, isPackaged: app.isPackaged, abi: process.versions.modules });
    console.error(`Concurrency Lab cannot start: ${message}`);
    dialog.showErrorBox('Concurrency Lab cannot start', message);
    const opened = service;
    service = null;
    // The history may already be open: close it (bounded) so the writer does not outlive the exit.
    const closed = opened ? opened.close().catch(() => undefined) : Promise.resolve();
    void Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2_000))]).finally(() => app.exit(STARTUP_FAILED_EXIT_CODE));
  };
  process.on('uncaughtException', failStartup);
  process.on('unhandledRejection', failStartup);
  try {
    // Must happen before 'ready'.
    registerAppScheme();
  } catch (error) {
    failStartup(error);
  }

  app
    .whenReady()
    .then(async () => {
      if (failed) return;
      session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(isPermissionGranted(permission)));
      await serveAppProtocol(rendererRoot);
      addonPath = selectSqliteAddon({ outDir, isPackaged: app.isPackaged, env: process.env });
      // The same history the CLI uses: userData/conlab.db (or CONLAB_DB). Runs execute in a runner process forked
      // from here (Electron as Node: the runAsNode fuse is on); utilityProcess exists only in this main process, so
      // utility actors are started here and relayed to the runner (no substitution).
      const dbPath = process.env['CONLAB_DB'] || join(app.getPath('userData'), 'conlab.db');
      const historyIsNew = !existsSync(dbPath);
      service = LabService.open({ dbPath, hosts: { utility: electronUtilityHost } });
      service.loadSettings();
      // A first start: the sample run logs go into the new history, for a person to open at once.
      void importSamplesOnFirstStart(service, join(outDir, '..'), historyIsNew);
      registerContractIpc(service);
      installAppMenu(service);
      createMainWindow();
      if (failed) return;
      // From here on a failure belongs to one action, not to start-up: Electron's own handling applies.
      process.off('uncaughtException', failStartup);
      process.off('unhandledRejection', failStartup);
      // macOS keeps the app alive without windows; re-open one when the dock icon is clicked.
      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
      });
    })
    .catch(failStartup);
}
