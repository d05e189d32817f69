// `npm start`: builds the engine bundles and the Electron bundles, prepares the Electron build of
// SQLite (scripts/electron-sqlite.mjs: better-sqlite3 for Electron's ABI, beside the Node build the CLI
// uses), then launches the desktop app. Where Electron cannot start (no binary, no SQLite build for it,
// an error before the first window), it says why in one line and falls back to browser mode
// (`conlab serve`) when this build has it. No stack traces: every failure here is something a person
// fixes by reading one sentence.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureElectronSqlite } from './electron-sqlite.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const conlabBin = join(root, 'bin', 'conlab.mjs');
// Electron that exits this fast with an error never showed a window (missing libraries, no display).
const startupGraceMs = 3000;
// The app's exit code after a start-up failure it has already shown (src-main/app/startup.ts).
const STARTUP_FAILED_EXIT_CODE = 3;

function fail(message, exitCode = 1) {
  console.error(`npm start: ${message}`);
  process.exit(exitCode);
}

function runStep(label, args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.error) fail(`${label} could not run: ${result.error.message}`);
  if (result.status !== 0) fail(`${label} failed (exit code ${result.status ?? result.signal}); see its output above.`);
}

/**
 * Where the Electron binary is, or why there is none. Mirrors what `require('electron')` looks up,
 * without its side effect: requiring the package downloads the binary from GitHub when it is missing,
 * which hangs or fails on a machine that reaches only the npm registry.
 */
function locateElectron() {
  let packageDir;
  try {
    packageDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { ok: false, reason: 'the electron package is not installed (run npm install)' };
  }
  const pathFile = join(packageDir, 'path.txt');
  const relativeBinary = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env['ELECTRON_OVERRIDE_DIST_PATH'];
  if (override) {
    const binary = join(override, relativeBinary || 'electron');
    return existsSync(binary)
      ? { ok: true, binary }
      : { ok: false, reason: `ELECTRON_OVERRIDE_DIST_PATH points at ${override}, which has no Electron binary` };
  }
  const binary = relativeBinary ? join(packageDir, 'dist', relativeBinary) : '';
  if (!binary || !existsSync(binary)) {
    return {
      ok: false,
      reason:
        "Electron's binary is not installed on this machine (the electron package downloads it from GitHub on first " +
        'launch; run `npx install-electron` where GitHub is reachable)',
    };
  }
  return { ok: true, binary };
}

/** Resolves to null when the app ran and closed normally, or to the reason it could not start. */
function launchElectron(binary) {
  return new Promise((resolve) => {
    const env = { ...process.env };
    // Set in the environment, it would turn the app into a plain Node process.
    delete env['ELECTRON_RUN_AS_NODE'];
    const startedAt = Date.now();
    const child = spawn(binary, [root], { cwd: root, env, stdio: 'inherit' });
    child.once('error', (error) => resolve(`Electron could not be started (${error.message})`));
    child.once('exit', (code, signal) => {
      const quick = Date.now() - startedAt < startupGraceMs;
      if (code === 0 || signal === 'SIGINT' || signal === 'SIGTERM') return resolve(null);
      if (code === STARTUP_FAILED_EXIT_CODE) return resolve('the app stopped before its first window (its message is above)');
      if (quick) return resolve(`Electron exited at start-up (${signal ?? `exit code ${code}`}; see its output above)`);
      process.exit(code ?? 1);
    });
  });
}

/** Resolves to null when the app ran and closed normally, or to the one-line reason it could not start. */
async function launchDesktopApp() {
  const electron = locateElectron();
  if (!electron.ok) return electron.reason;
  // Only once Electron exists: preparing the addon may download it or compile against Electron's headers.
  const sqlite = await ensureElectronSqlite({ root, log: (line) => console.error(`npm start: ${line}`) });
  if (!sqlite.ok) return `the Electron build of SQLite is not available (${sqlite.reason})`;
  return launchElectron(electron.binary);
}

function browserModeAvailable() {
  if (!existsSync(join(root, 'out', 'cli', 'conlab.mjs'))) return false;
  const probe = spawnSync(process.execPath, [conlabBin, 'serve', '--help'], { cwd: root, stdio: 'ignore', timeout: 30_000 });
  return probe.status === 0;
}

function startBrowserMode() {
  const child = spawn(process.execPath, [conlabBin, 'serve'], { cwd: root, stdio: 'inherit' });
  child.once('error', (error) => fail(`browser mode could not start (${error.message}).`));
  child.once('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 0 : 1)));
  // Ctrl+C reaches the whole foreground process group; the server stops itself and we exit with it.
  process.on('SIGINT', () => {});
}

async function main() {
  runStep('the engine build (scripts/build-engine.mjs)', [join(root, 'scripts', 'build-engine.mjs')]);
  runStep('electron-vite build', [join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js'), 'build']);

  const whyNot = await launchDesktopApp();
  if (whyNot === null) return;

  if (browserModeAvailable()) {
    console.error(`The desktop app cannot start: ${whyNot}; starting browser mode instead (npx conlab serve).`);
    startBrowserMode();
  } else {
    console.error(
      `\nThe desktop app cannot start: ${whyNot}.\n` +
        'Browser mode (npx conlab serve) would run the lab in a web browser, but it is not available in this build yet.',
    );
    process.exit(1);
  }
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)));
