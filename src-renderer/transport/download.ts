import type { ExportedFile } from '@contract/dto';
import { base64ToBytes } from './base64';

/** Hands an exported file to the browser's downloads (the app's window does the same with a save dialog). */
export function downloadFile(file: ExportedFile): number {
  const bytes = base64ToBytes(file.dataBase64);
  const url = URL.createObjectURL(new Blob([bytes], { type: file.mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once it started; the URL can go on the next turn.
  setTimeout(() => URL.revokeObjectURL(url), 0);
  return bytes.length;
}
