import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { describe, expect, test } from 'vitest';
import { appRoute, runIdFromAppUrl } from '../../src-main/app/menu-routes';

/**
 * The Electron shell as built (`electron-vite build`), checked without the Electron binary: the main
 * bundle's window options, the page's Content-Security-Policy, and what the preload exposes when it is
 * loaded with a stand-in `electron` module.
 */

const root = join(import.meta.dirname, '..', '..');
const mainBundle = join(root, 'out', 'main', 'index.js');
const preloadBundle = join(root, 'out', 'preload', 'index.cjs');
const indexHtml = join(root, 'out', 'renderer', 'index.html');

describe.skipIf(!existsSync(mainBundle))('the built main bundle', () => {
  test('sets every window option safe, and nothing that weakens a window appears anywhere in it', () => {
    const bundle = readFileSync(mainBundle, 'utf8');
    for (const safe of ['contextIsolation: true', 'sandbox: true', 'nodeIntegration: false', 'webSecurity: true', 'webviewTag: false']) expect(bundle).toContain(safe);
    const unsafe = [
      /nodeIntegration(InWorker|InSubFrames)?\s*:\s*(true|!0)/,
      /contextIsolation\s*:\s*(false|!1)/,
      /sandbox\s*:\s*(false|!1)/,
      /webSecurity\s*:\s*(false|!1)/,
      /webviewTag\s*:\s*(true|!0)/,
      /allowRunningInsecureContent\s*:\s*(true|!0)/,
      /experimentalFeatures/,
      /enableBlinkFeatures/,
      /--disable-web-security|--no-sandbox/,
    ];
    for (const pattern of unsafe) expect(bundle, String(pattern)).not.toMatch(pattern);
  });
});

describe.skipIf(!existsSync(indexHtml))('the built page', () => {
  test("declares a Content-Security-Policy of default-src 'self' without eval or remote origins", () => {
    const html = readFileSync(indexHtml, 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html.replace(/\s+/g, ' '));
    expect(meta).not.toBeNull();
    const csp = meta![1]!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline|https?:|\*/);
  });
});

describe.skipIf(!existsSync(preloadBundle))('the built preload, loaded with a stand-in electron', () => {
  function load(): { exposed: Map<string, Record<string, unknown>>; invoked: { channel: string; payload: unknown }[] } {
    const exposed = new Map<string, Record<string, unknown>>();
    const invoked: { channel: string; payload: unknown }[] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (name: string, api: Record<string, unknown>) => exposed.set(name, api) },
      ipcRenderer: {
        invoke: (channel: string, payload: unknown) => {
          invoked.push({ channel, payload });
          return Promise.resolve({ ok: true });
        },
        on: () => undefined,
        removeListener: () => undefined,
      },
    };
    const module = { exports: {} };
    const requireStandIn = (name: string): unknown => {
      if (name === 'electron') return electron;
      throw new Error(`the preload asked for ${name}: a sandboxed preload may load only electron`);
    };
    vm.runInNewContext(`(function (require, module, exports) {${readFileSync(preloadBundle, 'utf8')}\n})`, { console })(requireStandIn, module, module.exports);
    return { exposed, invoked };
  }

  test('exposes one object of named functions — version, request, onLiveEvent — and never ipcRenderer', () => {
    const { exposed } = load();
    expect([...exposed.keys()]).toEqual(['conlab']);
    const api = exposed.get('conlab')!;
    expect(Object.keys(api).sort()).toEqual(['onLiveEvent', 'request', 'version']);
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
    expect(JSON.stringify(Object.keys(api))).not.toContain('ipcRenderer');
  });

  test('requests go out on the app channel only, and an unknown method is refused before anything is sent', async () => {
    const { exposed, invoked } = load();
    const api = exposed.get('conlab') as { request: (method: string, params: unknown) => Promise<unknown> };
    await expect(api.request('shell.exec', {})).rejects.toThrow(/unknown method/);
    expect(invoked).toHaveLength(0);
    await api.request('lessons.list', {});
    expect(invoked).toHaveLength(1);
    expect(invoked[0]!.channel).toMatch(/^conlab:/);
  });
});

describe('menu routes', () => {
  test('the run shown is found only in URLs of our own UI', () => {
    expect(runIdFromAppUrl(appRoute('/runs/82bc62cf-a36b-49b7-a6c5-f83ff645a84b'))).toBe('82bc62cf-a36b-49b7-a6c5-f83ff645a84b');
    expect(runIdFromAppUrl(appRoute('/runs/82bc62cf-a36b-49b7-a6c5-f83ff645a84b/live'))).toBe('82bc62cf-a36b-49b7-a6c5-f83ff645a84b');
    expect(runIdFromAppUrl(appRoute('/lessons'))).toBeNull();
    expect(runIdFromAppUrl('https://evil.example/#/runs/82bc62cf-a36b-49b7-a6c5-f83ff645a84b')).toBeNull();
  });
});
