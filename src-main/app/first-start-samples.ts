import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The sample run logs (resources/samples/*.conlab.json) go into a history created by this start, so
 * that a person opening the app for the first time has runs to look at before running anything. A
 * history that existed before is never touched; a sample that fails to import is skipped.
 */

export interface SampleImporter {
  importRunLogFile(path: string): Promise<{ runId: string; result: 'inserted' | 'exists' }>;
}

/** The samples' folder: in a packaged app, the unpacked copy beside app.asar (the import reads it as a real file). */
export function samplesDir(appRoot: string): string {
  return join(appRoot.replace(/app\.asar$/, 'app.asar.unpacked'), 'resources', 'samples');
}

export function sampleRunLogs(appRoot: string): string[] {
  const dir = samplesDir(appRoot);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.conlab.json'))
    .sort()
    .map((name) => join(dir, name));
}

/** Imports the samples when `historyIsNew`; returns the run ids imported. */
export async function importSamplesOnFirstStart(importer: SampleImporter, appRoot: string, historyIsNew: boolean): Promise<string[]> {
  if (!historyIsNew) return [];
  const imported: string[] = [];
  for (const path of sampleRunLogs(appRoot)) {
    try {
      const { runId, result } = await importer.importRunLogFile(path);
      if (result === 'inserted') imported.push(runId);
    } catch {
      // A sample that cannot be imported is not worth failing the start over.
    }
  }
  return imported;
}
