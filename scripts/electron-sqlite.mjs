// The Electron build of SQLite (better-sqlite3), kept beside the Node build instead of replacing it.
//
// node_modules/better-sqlite3 is compiled for Node: the CLI and the tests load it. Electron embeds a
// Node of another ABI (NODE_MODULE_VERSION), so the app loads its own copy of the addon from
// out/native/electron/better_sqlite3.node (src-main/app/startup.ts passes it to better-sqlite3's
// `nativeBinding` option). This script makes that copy when it is missing or of the wrong ABI: first
// better-sqlite3's prebuilt binary for Electron (prebuild-install --runtime electron), else a build
// from source against Electron's headers (node-gyp). Both work in a copy of the package in a temporary
// folder, so node_modules is never rebuilt in place. Whatever a tool reports, the ABI is read from the
// binary itself: a rebuild can say "complete" and still leave a Node-ABI file behind.
//
// `node scripts/electron-sqlite.mjs` prepares it and prints one line; exit code 0 when the addon is
// ready, 1 when it could not be made (offline, no compiler), 2 when Electron's ABI is unknown.
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the app looks for the Electron build (relative to the project; unpacked in a package). */
export function electronAddonPath(root = projectRoot) {
  return join(root, 'out', 'native', 'electron', 'better_sqlite3.node');
}

/**
 * The NODE_MODULE_VERSION an addon was compiled for, read from the binary: a V8-API addon exports
 * `node_register_module_v<N>` (ELF, PE and Mach-O alike). 'napi' for an ABI-stable Node-API addon,
 * null when the file is missing or no such symbol is in it.
 */
export function addonAbi(file) {
  if (!existsSync(file)) return null;
  const text = readFileSync(file).toString('latin1');
  const match = /node_register_module_v(\d+)/.exec(text);
  if (match) return Number(match[1]);
  return /napi_register_module_v\d+/.test(text) ? 'napi' : null;
}

/** The installed Electron's version and its ABI (from node-abi), or why they are unknown. */
export function electronTarget(root = projectRoot) {
  const require = createRequire(join(root, 'package.json'));
  let version;
  try {
    version = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
  } catch {
    return { ok: false, reason: 'the electron package is not installed (run npm install)' };
  }
  try {
    const abi = Number(require('node-abi').getAbi(version, 'electron'));
    return { ok: true, version, abi };
  } catch (error) {
    return { ok: false, reason: `the ABI of Electron ${version} is unknown to node-abi (${firstLine(error)}); update node-abi` };
  }
}

function firstLine(error) {
  const text = error instanceof Error ? error.message : String(error);
  return text.trim().split('\n').filter(Boolean).pop()?.slice(0, 200) ?? 'no output';
}

function buildInfoPath(addon) {
  return join(dirname(addon), 'build-info.json');
}

/** What the addon beside it was built for ({platform, arch, ...}), or null when nothing says. */
function readBuildInfo(addon) {
  try {
    return JSON.parse(readFileSync(buildInfoPath(addon), 'utf8'));
  } catch {
    return null;
  }
}

/** Runs a Node script of a package's bin in cwd; resolves with its exit status and the end of its output. */
function runNodeTool(script, args, cwd, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let output = '';
    const keep = (chunk) => (output = (output + chunk).slice(-4_000));
    child.stdout.setEncoding('utf8').on('data', keep);
    child.stderr.setEncoding('utf8').on('data', keep);
    child.once('error', (error) => resolve({ ok: false, output: error.message }));
    child.once('exit', (code, signal) => resolve({ ok: code === 0, output: output || (signal ? `ended by ${signal}` : `exit code ${code}`) }));
  });
}

/** The real tools: prebuild-install for the prebuilt binary, node-gyp against Electron's headers. */
export function defaultTools(root = projectRoot) {
  const require = createRequire(join(root, 'package.json'));
  const binOf = (name, bin) => join(dirname(require.resolve(`${name}/package.json`)), bin);
  return {
    prebuilt: ({ cwd, version, arch, platform }) =>
      runNodeTool(binOf('prebuild-install', 'bin.js'), ['--runtime', 'electron', '--target', version, '--arch', arch, '--platform', platform, '--verbose'], cwd, 180_000),
    fromSource: ({ cwd, version, arch }) =>
      runNodeTool(binOf('node-gyp', 'bin/node-gyp.js'), ['rebuild', '--release', '--runtime=electron', `--target=${version}`, `--arch=${arch}`, '--dist-url=https://electronjs.org/headers'], cwd, 20 * 60_000),
  };
}

/**
 * Makes sure the Electron build of better-sqlite3 exists with Electron's ABI. Resolves to
 * { ok: true, path, abi, action: 'present' | 'prebuilt' | 'built' } or { ok: false, reason } (one line).
 * Never writes inside node_modules.
 */
export async function ensureElectronSqlite(options = {}) {
  const root = options.root ?? projectRoot;
  const log = options.log ?? (() => undefined);
  const target = options.target ?? electronTarget(root);
  if (!target.ok) return { ok: false, reason: target.reason, code: 2 };
  const destination = electronAddonPath(root);
  const arch = options.arch ?? process.arch;
  const platform = options.platform ?? process.platform;
  const found = addonAbi(destination);
  // The ABI says nothing of the CPU: a build for another architecture (a copied folder, Rosetta) is stale too.
  const builtFor = readBuildInfo(destination);
  const otherMachine = builtFor !== null && (builtFor.arch !== arch || builtFor.platform !== platform);
  if ((found === target.abi || found === 'napi') && !otherMachine) return { ok: true, path: destination, abi: target.abi, action: 'present' };

  const require = createRequire(join(root, 'package.json'));
  const packageDir = options.packageDir ?? dirname(require.resolve('better-sqlite3/package.json'));
  const { version: sqliteVersion } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const tools = options.tools ?? defaultTools(root);
  const why = found === null ? 'missing' : otherMachine ? `built for ${builtFor.platform}-${builtFor.arch}` : `built for ABI ${found}`;
  log(`preparing the Electron build of SQLite: better-sqlite3 ${sqliteVersion} for Electron ${target.version} (ABI ${target.abi}; the current one is ${why})`);

  const stage = mkdtempSync(join(tmpdir(), 'conlab-electron-sqlite-'));
  try {
    const work = join(stage, 'better-sqlite3');
    // A copy of the package (sources included, no old build): the tools write build/Release here.
    const skipped = [join(packageDir, 'build'), join(packageDir, 'node_modules')];
    cpSync(packageDir, work, { recursive: true, filter: (source) => !skipped.some((dir) => source === dir || source.startsWith(`${dir}${sep}`)) });
    const built = join(work, 'build', 'Release', 'better_sqlite3.node');
    const attempts = [];
    for (const [action, tool] of [
      ['prebuilt', tools.prebuilt],
      ['built', tools.fromSource],
    ]) {
      const result = await tool({ cwd: work, version: target.version, abi: target.abi, arch, platform });
      const abi = addonAbi(built);
      if (result.ok && abi === target.abi) {
        mkdirSync(dirname(destination), { recursive: true });
        const partial = `${destination}.partial`;
        copyFileSync(built, partial);
        renameSync(partial, destination);
        writeFileSync(buildInfoPath(destination), `${JSON.stringify({ betterSqlite3: sqliteVersion, electron: target.version, abi: target.abi, platform, arch, how: action }, null, 2)}\n`);
        return { ok: true, path: destination, abi: target.abi, action };
      }
      const label = action === 'prebuilt' ? 'the prebuilt download' : 'the build from source';
      attempts.push(result.ok ? `${label} produced ABI ${abi ?? 'none'}, not ${target.abi}` : `${label} failed (${firstLine(result.output)})`);
      rmSync(join(work, 'build'), { recursive: true, force: true });
    }
    return { ok: false, code: 1, reason: `no Electron build of SQLite for Electron ${target.version} (ABI ${target.abi}): ${attempts.join('; ')}` };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await ensureElectronSqlite({ log: (line) => console.error(line) });
  if (result.ok) {
    console.log(`Electron build of SQLite ready (${result.action}, ABI ${result.abi}): ${result.path}`);
  } else {
    console.error(`electron-sqlite: ${result.reason}`);
    process.exitCode = result.code ?? 1;
  }
}
