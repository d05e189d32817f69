import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { windowIconPath } from '../../src-main/app/window-options';
import { importSamplesOnFirstStart, samplesDir } from '../../src-main/app/first-start-samples';

/**
 * resources/: the app icon (SVG and its PNG sizes) referenced by electron-builder's config and by the
 * window, the Linux desktop entry, and the sample run logs, each imported by the real CLI.
 */

const root = join(__dirname, '..', '..');
const run = promisify(execFile);
const requireHere = createRequire(import.meta.url);
const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];

interface BuildConfig {
  readonly files: readonly string[];
  readonly asarUnpack: readonly string[];
  readonly linux: { readonly icon: string; readonly desktop: { readonly entry: Record<string, string> } };
  readonly win: { readonly icon: string };
  readonly mac: { readonly icon: string };
}
const build = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { build: BuildConfig }).build;

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(path: string): { width: number; height: number } {
  const bytes = readFileSync(path);
  expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect(bytes.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('the app icon', () => {
  test('the SVG is there, and every PNG size the builder and the window use, at its size', () => {
    const svg = readFileSync(join(root, 'resources', 'icon.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 256 256"/);
    expect(build.linux.icon).toBe('resources/icons');
    const pngs = readdirSync(join(root, build.linux.icon)).filter((name) => name.endsWith('.png'));
    expect(pngs.sort()).toEqual(ICON_SIZES.map((size) => `${size}x${size}.png`).sort());
    for (const size of ICON_SIZES) expect(pngSize(join(root, build.linux.icon, `${size}x${size}.png`))).toEqual({ width: size, height: size });
    expect(pngSize(join(root, build.win.icon))).toEqual({ width: 256, height: 256 });
    expect(pngSize(join(root, build.mac.icon))).toEqual({ width: 1024, height: 1024 });
    // The window's icon is in the app's files, at the path the main process computes.
    expect(pngSize(windowIconPath(root))).toEqual({ width: 512, height: 512 });
    expect(build.files).toEqual(expect.arrayContaining(['resources/icons/**', 'resources/icon.png', 'resources/samples/**']));
  });

  test("electron-builder's own schema accepts the build config (icons and desktop entry included)", async () => {
    const { validateConfiguration } = requireHere('app-builder-lib/out/util/config/config.js') as { validateConfiguration: (config: unknown, logger: unknown) => Promise<void> };
    const { DebugLogger } = requireHere('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(build, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...build, linux: { ...build.linux, iconn: 'x' } }, new DebugLogger(false))).rejects.toThrow(/Invalid configuration object/);
  }, 30_000);
});

describe('the Linux desktop entry', () => {
  test('resources/linux/concurrency-lab.desktop has the required keys and agrees with the builder config', () => {
    const text = readFileSync(join(root, 'resources', 'linux', 'concurrency-lab.desktop'), 'utf8');
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('[Desktop Entry]');
    const entry = Object.fromEntries(lines.slice(1).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    expect(entry).toMatchObject({ Type: 'Application', Name: 'Concurrency Lab', Terminal: 'false' });
    expect(entry['Exec']).toMatch(/^concurrency-lab\b/);
    expect(entry['Icon']).toBe('concurrency-lab');
    for (const [key, value] of Object.entries(build.linux.desktop.entry)) expect({ key, value: entry[key] }).toEqual({ key, value });
    // Lists end in a semicolon, as the desktop entry specification asks.
    expect(entry['Categories']).toMatch(/;$/);
    expect(entry['Keywords']).toMatch(/;$/);
  });
});

describe('sample run logs', () => {
  test('each imports into an empty history with the real CLI, and a second import changes nothing', async () => {
    const samples = readdirSync(join(root, 'resources', 'samples')).filter((name) => name.endsWith('.conlab.json'));
    expect(samples.length).toBeGreaterThanOrEqual(2);
    const db = join(mkdtempSync(join(tmpdir(), 'conlab-samples-')), 'history.db');
    const conlab = (...args: string[]): Promise<{ stdout: string }> => run(process.execPath, [join(root, 'bin', 'conlab.mjs'), '--db', db, ...args]);
    for (const sample of samples) {
      const path = join(root, 'resources', 'samples', sample);
      expect((await conlab('import', path)).stdout).toMatch(/^imported run [0-9a-f-]{36}$/m);
      expect((await conlab('import', path)).stdout).toMatch(/already in the history, identical; nothing changed/);
    }
    const history = JSON.parse((await conlab('history', '--json')).stdout) as { lessonId: string | null; status: string }[];
    expect(history.map((row) => row.lessonId).sort()).toEqual(samples.map((name) => name.replace('.conlab.json', '')).sort());
    expect(history.every((row) => row.status === 'ok')).toBe(true);
    expect(existsSync(db)).toBe(true);
  }, 60_000);
});

describe('samples on first start', () => {
  test('a new history gets every sample; an existing one none; a sample that fails is skipped', async () => {
    const seen: string[] = [];
    const importer = {
      importRunLogFile: (path: string) => {
        seen.push(path);
        if (path.endsWith('http-hello.conlab.json')) return Promise.reject(new Error('unreadable'));
        return Promise.resolve({ runId: `run-of-${path.split('/').pop()!}`, result: 'inserted' as const });
      },
    };
    expect(await importSamplesOnFirstStart(importer, root, false)).toEqual([]);
    expect(seen).toEqual([]);
    const imported = await importSamplesOnFirstStart(importer, root, true);
    expect(seen.map((path) => path.split('/').pop())).toEqual(['http-hello.conlab.json', 'race-counter.conlab.json']);
    expect(imported).toEqual(['run-of-race-counter.conlab.json']);
    // Packaged, the samples are read from the unpacked copy beside app.asar.
    expect(samplesDir('/opt/Concurrency Lab/resources/app.asar')).toBe('/opt/Concurrency Lab/resources/app.asar.unpacked/resources/samples');
    expect(build.asarUnpack).toContain('resources/samples/**');
  });
});
