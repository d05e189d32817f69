import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

/**
 * package.json's packaging setup, checked where electron-builder cannot package (no Electron zip):
 * its `build` object against electron-builder's own configuration schema, and the facts a release
 * depends on.
 */

const root = join(import.meta.dirname, '..', '..');
const requireHere = createRequire(join(root, 'package.json'));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  homepage?: string;
  repository?: { url?: string };
  scripts: Record<string, string>;
  build: Record<string, unknown>;
};
const { validateConfiguration } = requireHere('app-builder-lib/out/util/config/config') as {
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = requireHere('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

describe('the electron-builder configuration', () => {
  test("matches electron-builder's schema (a misspelt option is refused by the same check)", async () => {
    await expect(validateConfiguration(structuredClone(manifest.build), new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...structuredClone(manifest.build), asarUnpak: [] }, new DebugLogger(false))).rejects.toThrow(/Invalid configuration object/);
  });

  test('the deb has what it asks for: a homepage, a repository and a maintainer', () => {
    expect(manifest.homepage).toMatch(/^https:\/\//);
    expect(manifest.repository?.url).toMatch(/^git\+https:\/\//);
    expect((manifest.build['linux'] as { maintainer?: string }).maintainer).toBeTruthy();
  });

  test('packaging never rebuilds node_modules in place: no install-app-deps, no npm rebuild; the Electron build of SQLite is prepared first', () => {
    expect(manifest.scripts['dist']).not.toContain('install-app-deps');
    expect(manifest.build['npmRebuild']).toBe(false);
    expect(manifest.scripts['dist']).toMatch(/node scripts\/electron-sqlite\.mjs && electron-builder/);
  });
});

describe('the deb as the Ubuntu package', () => {
  test("electron-builder's deb install script puts an AppArmor profile allowing user namespaces in /etc/apparmor.d, and the config does not replace it", () => {
    const templates = join(requireHere.resolve('app-builder-lib/package.json'), '..', 'templates', 'linux');
    expect(readFileSync(join(templates, 'apparmor-profile.tpl'), 'utf8')).toMatch(/^\s*userns,/m);
    expect(readFileSync(join(templates, 'after-install.tpl'), 'utf8')).toContain('/etc/apparmor.d/');
    const deb = (manifest.build['deb'] ?? {}) as Record<string, unknown>;
    expect(deb['afterInstall']).toBeUndefined();
    expect(deb['appArmorProfile']).toBeUndefined();
    // The sandbox stays on: nothing passes --no-sandbox.
    expect(JSON.stringify(manifest.build)).not.toContain('no-sandbox');
  });
});
