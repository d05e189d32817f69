import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addonAbi, electronAddonPath, electronTarget, ensureElectronSqlite, type ToolRequest, type Tools } from '../../scripts/electron-sqlite.mjs';

/**
 * The Electron build of SQLite: its ABI read from the binary, and the preparation that never touches
 * node_modules. The tools (prebuild-install, node-gyp) are stand-ins here: this machine has no network
 * for Electron's prebuilt binaries or headers.
 */

const root = join(import.meta.dirname, '..', '..');
const packageDir = dirname(createRequire(join(root, 'package.json')).resolve('better-sqlite3/package.json'));
const nodeAddon = join(packageDir, 'build', 'Release', 'better_sqlite3.node');
const digest = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-electron-sqlite-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A project root of its own (package.json only), so out/native is written in the temp folder. */
function projectRoot(name: string): string {
  const project = join(dir, name);
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), '{"name":"concurrency-lab"}');
  return project;
}

/** A stand-in tool that "produces" an addon exporting the given ABI's symbol, and records its calls. */
function fakeTool(calls: string[], name: string, produce: number | null): (request: ToolRequest) => Promise<{ ok: boolean; output: string }> {
  return (request) => {
    calls.push(`${name} ${request.version} ${request.arch} ${request.platform}`);
    if (produce === null) return Promise.resolve({ ok: false, output: `gyp ERR! ${name}: getaddrinfo ENOTFOUND (offline)\n` });
    const built = join(request.cwd, 'build', 'Release', 'better_sqlite3.node');
    mkdirSync(dirname(built), { recursive: true });
    writeFileSync(built, `\u007fELF...node_register_module_v${produce}...`);
    return Promise.resolve({ ok: true, output: 'Rebuild Complete' });
  };
}

const target = { ok: true as const, version: '45.4.1', abi: 150 };

describe('the ABI of an addon, read from the binary', () => {
  test.skipIf(!existsSync(nodeAddon))("node_modules' build is Node's own ABI", () => {
    expect(addonAbi(nodeAddon)).toBe(Number(process.versions.modules));
  });

  test('a file without the registration symbol has none; a missing file has none; a Node-API addon is ABI-stable', () => {
    const junk = join(dir, 'junk.node');
    writeFileSync(junk, 'not an addon');
    expect(addonAbi(junk)).toBeNull();
    expect(addonAbi(join(dir, 'nowhere.node'))).toBeNull();
    const napi = join(dir, 'napi.node');
    writeFileSync(napi, '...napi_register_module_v1...');
    expect(addonAbi(napi)).toBe('napi');
  });

  test("the installed Electron's ABI comes from node-abi", () => {
    const found = electronTarget(root);
    expect(found.ok).toBe(true);
    if (found.ok) expect(found.abi).toBeGreaterThan(Number(process.versions.modules));
  });
});

describe('preparing the Electron build', () => {
  test('an addon already of the right ABI is kept and no tool runs', async () => {
    const project = projectRoot('present');
    mkdirSync(dirname(electronAddonPath(project)), { recursive: true });
    writeFileSync(electronAddonPath(project), 'node_register_module_v150');
    const calls: string[] = [];
    const result = await ensureElectronSqlite({ root: project, target, packageDir, tools: { prebuilt: fakeTool(calls, 'prebuilt', 150), fromSource: fakeTool(calls, 'source', 150) } });
    expect(result).toMatchObject({ ok: true, action: 'present', abi: 150 });
    expect(calls).toEqual([]);
  });

  test.skipIf(!existsSync(nodeAddon))('a Node-ABI addon is replaced by the prebuilt one, in out/native only: node_modules is untouched', async () => {
    const project = projectRoot('wrong-abi');
    mkdirSync(dirname(electronAddonPath(project)), { recursive: true });
    copyFileSync(nodeAddon, electronAddonPath(project));
    const before = digest(nodeAddon);
    const calls: string[] = [];
    const result = await ensureElectronSqlite({ root: project, target, packageDir, arch: 'x64', platform: 'linux', tools: { prebuilt: fakeTool(calls, 'prebuilt', 150), fromSource: fakeTool(calls, 'source', 150) } });
    expect(result).toMatchObject({ ok: true, action: 'prebuilt', abi: 150 });
    expect(calls).toEqual(['prebuilt 45.4.1 x64 linux']);
    expect(addonAbi(electronAddonPath(project))).toBe(150);
    expect(digest(nodeAddon)).toBe(before);
    expect(JSON.parse(readFileSync(join(dirname(electronAddonPath(project)), 'build-info.json'), 'utf8'))).toMatchObject({ electron: '45.4.1', abi: 150, how: 'prebuilt' });
  });

  test('a tool that says it succeeded but leaves a Node-ABI binary is not trusted; the build from source is tried next', async () => {
    const project = projectRoot('lying-tool');
    const calls: string[] = [];
    const tools: Tools = { prebuilt: fakeTool(calls, 'prebuilt', 115), fromSource: fakeTool(calls, 'source', 150) };
    const result = await ensureElectronSqlite({ root: project, target, packageDir, tools });
    expect(result).toMatchObject({ ok: true, action: 'built' });
    expect(calls.map((call) => call.split(' ')[0])).toEqual(['prebuilt', 'source']);
  });

  test('offline: one line naming both attempts, and no addon is left behind', async () => {
    const project = projectRoot('offline');
    const calls: string[] = [];
    const result = await ensureElectronSqlite({ root: project, target, packageDir, tools: { prebuilt: fakeTool(calls, 'prebuilt', null), fromSource: fakeTool(calls, 'source', null) } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).not.toContain('\n');
    expect(result.reason).toMatch(/^no Electron build of SQLite for Electron 45\.4\.1 \(ABI 150\): the prebuilt download failed \(.*ENOTFOUND.*\); the build from source failed \(.*ENOTFOUND.*\)$/);
    expect(existsSync(electronAddonPath(project))).toBe(false);
  });

  test('an Electron whose ABI is unknown is refused before anything runs', async () => {
    const result = await ensureElectronSqlite({ root: projectRoot('unknown'), target: { ok: false, reason: 'the ABI of Electron 99.0.0 is unknown to node-abi' }, packageDir });
    expect(result).toEqual({ ok: false, reason: 'the ABI of Electron 99.0.0 is unknown to node-abi', code: 2 });
  });
});

describe('an addon of the right ABI built for another machine', () => {
  test('is rebuilt when its build-info names another architecture', async () => {
    const project = projectRoot('other-arch');
    const addon = electronAddonPath(project);
    mkdirSync(dirname(addon), { recursive: true });
    writeFileSync(addon, 'node_register_module_v150');
    writeFileSync(join(dirname(addon), 'build-info.json'), JSON.stringify({ platform: 'darwin', arch: 'x64', abi: 150 }));
    const calls: string[] = [];
    const result = await ensureElectronSqlite({ root: project, target, packageDir, arch: 'arm64', platform: 'darwin', tools: { prebuilt: fakeTool(calls, 'prebuilt', 150), fromSource: fakeTool(calls, 'source', 150) } });
    expect(result).toMatchObject({ ok: true, action: 'prebuilt' });
    expect(calls).toEqual(['prebuilt 45.4.1 arm64 darwin']);
    expect(JSON.parse(readFileSync(join(dirname(addon), 'build-info.json'), 'utf8'))).toMatchObject({ platform: 'darwin', arch: 'arm64' });
  });
});
