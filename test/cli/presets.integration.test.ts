import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';

const run = promisify(execFile);
const bin = join(__dirname, '..', '..', 'bin', 'conlab.mjs');
let dir: string;

async function conlab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, '--db', join(dir, 'history.db'), ...args], { cwd: dir, env: { ...process.env, LANG: 'en_US.UTF-8' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-presets-'));
});

describe('lesson presets on the command line', () => {
  test('show lists the presets with their values, in both languages', async () => {
    const en = await conlab('show', 'race-counter', '--lang', 'en');
    expect(en.code).toBe(0);
    expect(en.stdout).toContain('Presets (--preset id');
    expect(en.stdout).toMatch(/no-window\s+No race window\s+\(windowMs=0\)/);
    const zh = await conlab('show', 'tcp-basics', '--lang', 'zh');
    expect(zh.stdout).toMatch(/chinese-message\s+带中文的消息\s+\(message=你好, tcp\)/);
  });

  test('run --preset applies the preset, and --set still wins over it', async () => {
    const applied = await conlab('run', 'tcp-basics', '--preset', 'chinese-message', '--json');
    expect(applied.code).toBe(0);
    const out = JSON.parse(applied.stdout) as { status: string; params: Record<string, unknown>; claims: { status: string }[] };
    expect(out.params['message']).toBe('你好, tcp');
    expect(out.claims.every((c) => c.status === 'holds')).toBe(true);

    const overridden = await conlab('run', 'tcp-basics', '--preset', 'chinese-message', '--set', 'message=abc xyz', '--json');
    expect(overridden.code).toBe(0);
    expect((JSON.parse(overridden.stdout) as { params: Record<string, unknown> }).params['message']).toBe('abc xyz');
  });

  test('an unknown preset, or a preset on a spec file, exits 2 with one line naming what was expected', async () => {
    const unknown = await conlab('run', 'tcp-basics', '--preset', 'nosuch');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toContain('expected one of chinese-message');
    const none = await conlab('run', 'udp-basics', '--preset', 'x');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('has no presets');
    const file = await conlab('run', 'spec.json', '--preset', 'x');
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('not to a spec file');
  });
});
