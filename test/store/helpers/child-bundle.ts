import { build, type Plugin } from 'esbuild';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

const requireFromProject = createRequire(path.join(projectRoot, 'package.json'));

/**
 * A bundle written outside the project cannot find node_modules by walking up, so better-sqlite3 (the
 * only package the store loads) is imported through its absolute file URL.
 */
const sqliteByAbsolutePath: Plugin = {
  name: 'better-sqlite3-absolute',
  setup(pluginBuild) {
    const url = pathToFileURL(requireFromProject.resolve('better-sqlite3')).href;
    pluginBuild.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: url, external: true }));
  },
};

/**
 * Bundles TypeScript modules of the project into one ESM file that a plain Node child process can
 * import (children run without a TypeScript loader). `contents` is the entry's source, resolved from
 * the project root, e.g. `export * from './src-main/store/migrations'`.
 */
export async function bundleForChild(contents: string, outfile: string): Promise<string> {
  await build({
    stdin: { contents, resolveDir: projectRoot, loader: 'ts', sourcefile: 'child-entry.ts' },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    plugins: [sqliteByAbsolutePath],
  });
  return pathToFileURL(outfile).href;
}

/** Bundles the store-writer worker entry as `<dir>/store-writer.mjs`, where CONLAB_ENGINE_DIR=dir finds it. */
export async function bundleWriterEntry(dir: string): Promise<string> {
  const outfile = path.join(dir, 'store-writer.mjs');
  await bundleForChild(`import './src-main/store/writer-entry'`, outfile);
  return outfile;
}
