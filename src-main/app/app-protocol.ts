import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { contentTypeOf, lookupStatic, realRoot } from '../serve/static-files';
import { APP_HOST, APP_SCHEME, appContentSecurityPolicy } from './security-policy';

/**
 * `conlab-app://renderer/…`: the bundled UI, read from out/renderer and confined to it by the same
 * lookup browser mode uses (no `..`, no symlink out). A standard, secure scheme gives the page a
 * real origin (hash routing, CSP 'self'), which file:// does not.
 */

/** Must run before the app's 'ready' event. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

export async function serveAppProtocol(rendererRoot: string): Promise<void> {
  const root = await realRoot(rendererRoot);
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST || (request.method !== 'GET' && request.method !== 'HEAD')) return new Response('forbidden', { status: 403 });
    const found = await lookupStatic(root, url.pathname);
    if (found.kind === 'refused') return new Response('forbidden', { status: 403 });
    if (found.kind === 'missing') return new Response('not found', { status: 404 });
    const body = await readFile(found.path);
    return new Response(body, {
      status: 200,
      headers: {
        'Content-Type': contentTypeOf(found.path),
        'Content-Security-Policy': appContentSecurityPolicy(),
        'X-Content-Type-Options': 'nosniff',
      },
    });
  });
}
