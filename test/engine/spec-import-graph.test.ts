import { build } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = join(__dirname, '..', '..');

/** The repository files a module pulls in when bundled, as repo-relative paths. */
async function bundledInputs(entry: string): Promise<string[]> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs).sort();
}

describe('what validating a spec loads', () => {
  // The network lab (sockets, servers, child processes) is loaded only when a trial starts servers or an
  // actor runs a socket step; checking a spec, even one with servers, needs only the model floor.
  test('the validator bundles the model floor and nothing of src-main/net', async () => {
    const inputs = await bundledInputs('src-main/engine/spec/validate.ts');
    expect(inputs).toContain('src-main/model/spec-schema.ts');
    expect(inputs).toContain('src-main/model/server-config.ts');
    expect(inputs.filter((file) => file.startsWith('src-main/net/'))).toEqual([]);
  });

  test('the model floor imports nothing outside itself', async () => {
    const inputs = await bundledInputs('src-main/model/spec-schema.ts');
    expect(inputs.length).toBeGreaterThan(1);
    expect(inputs.filter((file) => !file.startsWith('src-main/model/'))).toEqual([]);
  });
});
