import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  APP_ENTRY_URL,
  appContentSecurityPolicy,
  isAllowedNavigation,
  isAppUrl,
  isPermissionGranted,
  isTrustedSender,
  windowOpenDecision,
} from '../../src-main/app/security-policy';
import { secureWebPreferences } from '../../src-main/app/window-options';

const root = join(import.meta.dirname, '..', '..');

describe('the window is locked down', () => {
  test('web preferences: sandboxed, isolated, no Node, no webview', () => {
    expect(secureWebPreferences).toEqual({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  test('only the main frame of our own UI may call the contract', () => {
    expect(isTrustedSender({ url: APP_ENTRY_URL, isMainFrame: true })).toBe(true);
    expect(isTrustedSender({ url: 'conlab-app://renderer/index.html#/history', isMainFrame: true })).toBe(true);
    expect(isTrustedSender({ url: APP_ENTRY_URL, isMainFrame: false })).toBe(false);
    expect(isTrustedSender({ url: 'conlab-app://other/index.html', isMainFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'conlab-app://user:pw@renderer/index.html', isMainFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'https://renderer/index.html', isMainFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'file:///work/out/renderer/index.html', isMainFrame: true })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
  });

  test('navigation stays inside the bundled UI', () => {
    expect(isAllowedNavigation('conlab-app://renderer/index.html#/lessons')).toBe(true);
    expect(isAllowedNavigation('https://example.com/')).toBe(false);
    expect(isAllowedNavigation('file:///etc/passwd')).toBe(false);
    expect(isAllowedNavigation('javascript:alert(1)')).toBe(false);
    expect(isAllowedNavigation('not a url')).toBe(false);
    expect(isAppUrl('conlab-app://renderer.evil/index.html')).toBe(false);
  });

  test('new windows are always denied; only https links open in the system browser', () => {
    expect(windowOpenDecision('https://nodejs.org/api/worker_threads.html')).toEqual({ action: 'deny', openExternally: true });
    expect(windowOpenDecision('http://example.com/')).toEqual({ action: 'deny', openExternally: false });
    expect(windowOpenDecision('file:///etc/passwd')).toEqual({ action: 'deny', openExternally: false });
    expect(windowOpenDecision('smb://server/share')).toEqual({ action: 'deny', openExternally: false });
    expect(windowOpenDecision('https://user:pw@example.com/')).toEqual({ action: 'deny', openExternally: false });
  });

  test('no permission is ever granted', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) expect(isPermissionGranted(permission)).toBe(false);
  });

  test('the CSP allows our own scripts and styles only, no eval, nothing remote', () => {
    const csp = appContentSecurityPolicy();
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-(eval|inline)|https?:|\*/);
  });

  test.skipIf(!existsSync(join(root, 'out', 'preload', 'index.cjs')))('the built preload loads nothing but electron (it runs sandboxed)', () => {
    const bundle = readFileSync(join(root, 'out', 'preload', 'index.cjs'), 'utf8');
    const required = [...bundle.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1]);
    expect(new Set(required)).toEqual(new Set(['electron']));
    expect(bundle).not.toContain('exposeInMainWorld("ipcRenderer"');
  });
});
