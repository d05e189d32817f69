import { realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

/**
 * Static files of browser mode, confined to the renderer root: a request path never reaches a file
 * outside it, whether by `..` segments (raw or percent-encoded), backslashes, NUL bytes or a symlink
 * whose target lies outside. Anything doubtful is refused, not normalised into something else.
 */

export type StaticLookup = { readonly kind: 'file'; readonly path: string; readonly size: number } | { readonly kind: 'refused' } | { readonly kind: 'missing' };

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

function within(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Maps the path part of a request URL (`/assets/index.js`, no query) to a file under `root`, which
 * must already be a real path (see `realRoot`). `/` is index.html.
 */
export async function lookupStatic(root: string, rawPath: string): Promise<StaticLookup> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'refused' };
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return { kind: 'refused' };
  const segments = decoded.split('/');
  if (segments.some((segment) => segment === '..' || segment === '.')) return { kind: 'refused' };
  const relative = decoded === '/' ? 'index.html' : decoded.slice(1);
  const candidate = resolve(root, relative);
  if (!within(root, candidate)) return { kind: 'refused' };
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    return { kind: 'missing' };
  }
  // A symlink inside the root may point anywhere; only its target decides.
  if (!within(root, real)) return { kind: 'refused' };
  try {
    const info = await stat(real);
    return info.isFile() ? { kind: 'file', path: real, size: info.size } : { kind: 'missing' };
  } catch {
    return { kind: 'missing' };
  }
}

export async function realRoot(root: string): Promise<string> {
  return realpath(root);
}
