import { writeFileSync } from 'node:fs';
import { BrowserWindow, dialog, Menu, type MenuItemConstructorOptions } from 'electron';
import type { LabService } from '../service/lab-service';
import { appRoute, runIdFromAppUrl } from './menu-routes';

/**
 * The application menu: File (import and export run logs with the system's file dialogs), View, and
 * Help (the lessons). Everything goes through LabService, as the renderer's requests do.
 */

function focused(): BrowserWindow | null {
  return BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0] ?? null;
}

async function importRunLog(service: LabService): Promise<void> {
  const window = focused();
  const options = { title: 'Import a run log', properties: ['openFile' as const], filters: [{ name: 'Run logs', extensions: ['json', 'gz'] }] };
  const picked = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  const [file] = picked.filePaths;
  if (picked.canceled || !file) return;
  try {
    const { runId } = await service.importRunLogFile(file);
    await window?.loadURL(appRoute(`/runs/${runId}`));
  } catch (error) {
    dialog.showErrorBox('The run log was not imported', (error as Error).message);
  }
}

async function exportRunLog(service: LabService): Promise<void> {
  const window = focused();
  const runId = window ? runIdFromAppUrl(window.webContents.getURL()) : null;
  // Without a run on screen, the Export / import page lets the person pick one.
  if (!runId) {
    await window?.loadURL(appRoute('/transfer'));
    return;
  }
  try {
    const exported = service.exportRun(runId, 'json.gz');
    const options = { title: 'Export the run log', defaultPath: exported.fileName };
    const target = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
    if (target.canceled || !target.filePath) return;
    writeFileSync(target.filePath, exported.data);
  } catch (error) {
    dialog.showErrorBox('The run log was not exported', (error as Error).message);
  }
}

export function installAppMenu(service: LabService): void {
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Import Run Log…', accelerator: 'CmdOrCtrl+O', click: () => void importRunLog(service) },
        { label: 'Export Run Log…', accelerator: 'CmdOrCtrl+E', click: () => void exportRunLog(service) },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    {
      label: 'View',
      submenu: [{ role: 'reload' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
    },
    {
      label: 'Help',
      submenu: [
        { label: 'Lessons', click: () => void focused()?.loadURL(appRoute('/lessons')) },
        { label: 'Composer', click: () => void focused()?.loadURL(appRoute('/composer')) },
        { type: 'separator' },
        { role: 'about' },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
