import { createGunzip, gunzipSync } from 'node:zlib';
import { abbreviatedJsonPath } from './json-path';
import { JsonShapeError, JsonShapeScanner, type JsonPathSegment, type JsonShapeLimits } from './json-shape';
import { UntrustedInputError } from './untrusted-error';

/**
 * JSON from another person, parsed only after its shape is known to be within limits: the text is checked by
 * a JsonShapeScanner first (for gzip, while it is inflated, so a compression bomb is refused after reading
 * as little of it as its first over-limit value takes), then decoded as strict UTF-8 and parsed.
 */

export const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/**
 * Checks then parses JSON text held in memory; throws UntrustedInputError naming the JSON path of a problem.
 * Messages are verb phrases ("is refused at actors[2]: …", "is not UTF-8 text") for the caller to prefix
 * with what was read ("run log", a file name).
 */
export function parseCheckedJson(text: Uint8Array | string, limits: JsonShapeLimits, pathPrefix: readonly JsonPathSegment[] = []): unknown {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  checkJsonShape([bytes], limits, pathPrefix);
  return parseJsonText(bytes, pathPrefix);
}

/** Checks the shape of JSON text given in pieces; throws UntrustedInputError at the first problem. */
export function checkJsonShape(chunks: Iterable<Uint8Array>, limits: JsonShapeLimits, pathPrefix: readonly JsonPathSegment[] = []): void {
  const scanner = new JsonShapeScanner(limits);
  try {
    for (const chunk of chunks) scanner.push(chunk);
    scanner.end();
  } catch (error) {
    throw shapeError(error, pathPrefix);
  }
}

/**
 * Inflates gzip data, checking the JSON shape of the output as it streams, without keeping it; then inflates
 * it again into one buffer, now known to be at most `limits.maxBytes` and of a safe shape. Throws
 * UntrustedInputError for damaged gzip, output past the limit, or the first shape problem.
 */
export async function inflateCheckedJson(compressed: Uint8Array, limits: JsonShapeLimits): Promise<Buffer> {
  const scanner = new JsonShapeScanner(limits);
  const total = await new Promise<number>((resolve, reject) => {
    const gunzip = createGunzip();
    let inflated = 0;
    let settled = false;
    const stop = (error: Error): void => {
      if (settled) return;
      settled = true;
      gunzip.destroy();
      reject(error);
    };
    gunzip.on('data', (chunk: Buffer) => {
      if (settled) return;
      inflated += chunk.length;
      if (inflated > limits.maxBytes) {
        stop(new UntrustedInputError(`decompresses to more than ${limits.maxBytes} bytes; refusing to read it (a compression bomb, or a file too large to import)`));
        return;
      }
      try {
        scanner.push(chunk);
      } catch (error) {
        stop(shapeError(error, []));
      }
    });
    gunzip.on('error', (error) => stop(new UntrustedInputError(`looks gzip-compressed but cannot be decompressed: ${error.message}`)));
    gunzip.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(inflated);
    });
    gunzip.end(compressed);
  });
  try {
    scanner.end();
  } catch (error) {
    throw shapeError(error, []);
  }
  // The same bytes inflate to the same output: `total` is exact, and the shape was checked above.
  return gunzipSync(compressed, { maxOutputLength: Math.max(1, total) });
}

/** Strict UTF-8 (a damaged byte is refused, not replaced) and JSON.parse, for text already checked. */
export function parseJsonText(bytes: Uint8Array, pathPrefix: readonly JsonPathSegment[] = []): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UntrustedInputError('is not UTF-8 text (damaged in transfer, or not a JSON file?)', pathPrefix);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // Unreachable for text the scanner accepted; kept so a gap in the scanner cannot crash the caller.
    throw new UntrustedInputError(`is not valid JSON: ${(error as Error).message}`, pathPrefix);
  }
}

function shapeError(error: unknown, pathPrefix: readonly JsonPathSegment[]): Error {
  if (!(error instanceof JsonShapeError)) return error instanceof Error ? error : new Error(String(error));
  const segments = [...pathPrefix, ...error.path];
  const path = abbreviatedJsonPath(segments);
  return new UntrustedInputError(path ? `is refused at ${path}: ${error.problem}` : `is refused: ${error.problem}`, segments, error.problem);
}
