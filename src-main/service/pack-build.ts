import type { BuiltPack } from '../contract/lab-pack';
import { LAB_PACK_EXTENSION, type LabPack } from '../model/lab-pack';
import { LabError } from './lab-service';
import { PackError, parseLabPack, serializeLabPack } from './packs';

/**
 * The app's pack builder on the service side. A pack written in the app arrives as JSON text and is read
 * exactly as a pack file from someone else would be (bounded bytes and shape, the strict schema, every
 * lesson id looked up, every composed spec validated with its fixed values); nothing in it runs. A
 * refusal is bad input naming the JSON path of the first problem.
 */

function asBadInput<T>(read: () => Promise<T>): Promise<T> {
  return read().catch((error: unknown) => {
    if (error instanceof PackError) throw new LabError('bad-input', error.message);
    throw error;
  });
}

/** Checks a pack's JSON text and returns it as the .conlabpack file (gzip, as `conlab pack build` writes it). */
export async function buildPackFile(packJson: string): Promise<BuiltPack> {
  const read = await asBadInput(() => parseLabPack(packJson));
  const data = serializeLabPack(read.pack);
  return {
    file: { fileName: `${read.pack.id}${LAB_PACK_EXTENSION}`, mimeType: 'application/gzip', dataBase64: data.toString('base64') },
    id: read.pack.id,
    hash: read.hash,
    lessons: read.pack.lessons.length,
  };
}

/** A pack file (JSON or gzip) as its validated JSON, for the builder to edit a copy of. */
export async function packSource(bytes: Buffer): Promise<LabPack> {
  return (await asBadInput(() => parseLabPack(bytes))).pack;
}
