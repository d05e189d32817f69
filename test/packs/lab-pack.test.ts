import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { checkLabPack, parseLabPack, PackError, readLabPackFile, serializeLabPack } from '../../src-main/service/packs';

const PACKS_DIR = resolve(import.meta.dirname, '../../resources/packs');
const dir = mkdtempSync(join(tmpdir(), 'conlab-packs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = (): Record<string, unknown> => ({
  format: 'conlab-lab-pack',
  version: 1,
  id: 'demo',
  title: { zh: '演示', en: 'Demo' },
  instructions: { zh: '按顺序做。', en: 'Do them in order.' },
  lessons: [
    { id: 'race', lesson: 'race-counter', fixed: { threads: 20 }, open: ['windowMs'], questions: [{ id: 'q1', kind: 'number', text: { zh: '剩多少？', en: 'How many left?' }, answerFrom: { record: 'unlockedFinal' } }] },
  ],
});

async function refusal(input: Buffer | string | Record<string, unknown>): Promise<PackError> {
  const bytes = typeof input === 'object' && !Buffer.isBuffer(input) ? JSON.stringify(input) : input;
  const error = await parseLabPack(bytes).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PackError);
  return error as PackError;
}

describe('lab pack format', () => {
  it('reads a valid pack, plain or gzip, to the same pack and hash', async () => {
    const a = await parseLabPack(JSON.stringify(base()));
    const b = await parseLabPack(gzipSync(JSON.stringify(base())));
    expect(a.pack.lessons[0]!.lesson).toBe('race-counter');
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.hash).toBe(a.hash);
    const again = await parseLabPack(serializeLabPack(a.pack));
    expect(again.hash).toBe(a.hash);
    const changed = base();
    (changed['title'] as Record<string, string>)['en'] = 'Other';
    expect((await parseLabPack(JSON.stringify(changed))).hash).not.toBe(a.hash);
  });

  it('accepts a composed spec that validates', async () => {
    const pack = base();
    pack['lessons'] = [{ id: 'mine', title: { zh: '我的', en: 'Mine' }, spec: { version: 1, actors: [{ name: 'a', kind: 'thread', program: [{ op: 'sleep', ms: 1 }] }] } }];
    const read = await parseLabPack(JSON.stringify(pack));
    expect(read.pack.lessons[0]!.id).toBe('mine');
  });

  it('refuses hostile packs with the JSON path of the first problem', async () => {
    const cases: [string, (p: Record<string, unknown>) => unknown, RegExp][] = [
      ['unknown lesson id', (p) => ((p['lessons'] as Record<string, unknown>[])[0]!['lesson'] = 'no-such-lesson'), /at lessons\[0\]\.lesson: no built-in lesson "no-such-lesson"/],
      ['wrong type', (p) => (p['title'] = 'plain'), /at title: /],
      ['unknown key', (p) => (p['run'] = 'rm -rf /'), /at \(top\): .*run/],
      ['fixed param not declared', (p) => ((p['lessons'] as Record<string, unknown>[])[0]!['fixed'] = { nope: 1 }), /at lessons\[0\]\.fixed\.nope: no such parameter/],
      ['fixed param out of bounds', (p) => ((p['lessons'] as Record<string, unknown>[])[0]!['fixed'] = { threads: 100000 }), /at lessons\[0\]\.fixed\.threads: /],
      ['open param not declared', (p) => ((p['lessons'] as Record<string, unknown>[])[0]!['open'] = ['ghost']), /at lessons\[0\]\.open\[0\]: no parameter "ghost"/],
      ['both lesson and spec', (p) => ((p['lessons'] as Record<string, unknown>[])[0]!['spec'] = { version: 1 }), /at lessons\[0\]\.spec: give either/],
      ['spec that fails validation', (p) => (p['lessons'] = [{ id: 'bad', title: { zh: '坏', en: 'Bad' }, spec: { version: 1, actors: [{ name: 'a', kind: 'thread', program: [{ op: 'acquire', prim: 'missing' }] }] } }]), /at lessons\[0\]\.spec\.actors\[0\]\.program\[0\]/],
      ['duplicate lesson ids', (p) => (p['lessons'] = [{ id: 'x', lesson: 'gil' }, { id: 'x', lesson: 'pools' }]), /at lessons\[1\]\.id: lesson id "x" appears twice/],
      ['too many questions', (p) => ((p['lessons'] as Record<string, unknown>[])[0]!['questions'] = Array.from({ length: 4 }, (_, i) => ({ id: `q${i}`, kind: 'number', text: { zh: '问', en: 'Q' } }))), /at lessons\[0\]\.questions: /],
      ['a path for an id', (p) => (p['id'] = '../../etc/passwd'), /at id: expected 1 to 64 lowercase/],
      ['newer version', (p) => (p['version'] = 7), /at version: version 7 is newer/],
      ['not a pack', (p) => (p['format'] = 'conlab-run-log'), /at format: expected "conlab-lab-pack"/],
      ['no lessons', (p) => (p['lessons'] = []), /at lessons: /],
    ];
    for (const [what, change, expected] of cases) {
      const pack = base();
      change(pack);
      const error = await refusal(pack);
      expect(error.message, what).toMatch(expected);
    }
  });

  it('refuses deep, huge and malformed files before parsing them', async () => {
    const deep = `{"format":"conlab-lab-pack","lessons":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect((await refusal(deep)).message).toMatch(/lab pack is refused at lessons.*nested/);
    const huge = Buffer.alloc(9 * 1024 * 1024, 0x20);
    expect((await refusal(huge)).message).toMatch(/larger than/);
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"format":"'), Buffer.alloc(50 * 1024 * 1024, 0x61), Buffer.from('"}')]));
    expect((await refusal(bomb)).message).toMatch(/lab pack .*(longer|more than|larger)/);
    expect((await refusal('{"format": "conlab-lab-pack",')).message).toMatch(/lab pack/);
    expect((await refusal('{"format":"conlab-lab-pack","format":"conlab-lab-pack"}')).message).toMatch(/at format: .*(twice|duplicate)/i);
    expect((await refusal('[1,2]')).message).toMatch(/expected a JSON object/);
  });

  it('reads only regular files', async () => {
    await expect(readLabPackFile(dir)).rejects.toThrow(/not a regular file/);
    const fifo = join(dir, 'fifo.conlabpack');
    execFileSync('mkfifo', [fifo]);
    await expect(readLabPackFile(fifo)).rejects.toThrow(/not a regular file/);
    await expect(readLabPackFile(join(dir, 'missing.conlabpack'))).rejects.toThrow(/cannot read/);
    mkdirSync(join(dir, 'sub'));
    const file = join(dir, 'sub', 'ok.conlabpack');
    writeFileSync(file, serializeLabPack(checkLabPack(base()).pack));
    expect((await readLabPackFile(file)).pack.id).toBe('demo');
  });

  it('every sample pack in resources/packs is valid, one per chapter', async () => {
    const files = readdirSync(PACKS_DIR).filter((f) => f.endsWith('.pack.json'));
    expect(files.sort()).toEqual(['coroutines.pack.json', 'processes.pack.json', 'sockets.pack.json', 'threads.pack.json']);
    for (const file of files) {
      const read = await parseLabPack(readFileSync(join(PACKS_DIR, file)));
      expect(read.pack.lessons.length, file).toBeGreaterThan(0);
    }
  });
});
