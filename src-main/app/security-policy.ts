/**
 * What the desktop window may do, as pure functions so that they are tested without Electron:
 * which frames may call the contract, where the window may navigate, what opens outside, and the
 * Content-Security-Policy of the bundled UI. index.ts wires them to Electron's events.
 */

/** The app's own scheme: the renderer is served from `conlab-app://renderer/…`, never from file://. */
export const APP_SCHEME = 'conlab-app';
export const APP_HOST = 'renderer';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True for URLs of the bundled UI (scheme and host exact; any path, since the protocol handler confines it). */
export function isAppUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed !== null && parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
}

export interface SenderFrame {
  readonly url: string;
  /** The top frame of the window: subframes (an iframe a page smuggled in) never call the contract. */
  readonly isMainFrame: boolean;
}

/** Only the main frame of our own UI may call LabService over IPC. */
export function isTrustedSender(frame: SenderFrame | null): boolean {
  return frame !== null && frame.isMainFrame && isAppUrl(frame.url);
}

/** The window never leaves the bundled UI (hash routes change no document). */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/**
 * window.open and target=_blank: always denied inside the app; plain https links (documentation)
 * open in the system browser, nothing else does (no file:, no javascript:, no custom schemes).
 */
export function windowOpenDecision(url: string): { readonly action: 'deny'; readonly openExternally: boolean } {
  const parsed = parse(url);
  return { action: 'deny', openExternally: parsed !== null && parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '' };
}

/** Camera, notifications, geolocation…: the lab needs none of them. */
export function isPermissionGranted(_permission: string): boolean {
  return false;
}

/** The CSP sent with every page of the bundled UI: its own scripts and styles only, no eval, no remote anything. */
export function appContentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
