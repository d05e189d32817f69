import { join } from 'node:path';
import type { WebPreferences } from 'electron';

/**
 * The only web preferences a Concurrency Lab window may use.
 *
 * The renderer is untrusted UI: it runs sandboxed, without Node, isolated from the preload's world,
 * and reaches the engine only through the functions the preload exposes.
 */
export const secureWebPreferences = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
} as const satisfies WebPreferences;

/** The app icon Linux and Windows show for the window (macOS takes the bundle's), under the app's root folder. */
export function windowIconPath(appRoot: string): string {
  return join(appRoot, 'resources', 'icons', '512x512.png');
}
