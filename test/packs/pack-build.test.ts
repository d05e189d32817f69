import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createContractHandlers } from '../../src-main/serve/contract-handlers';
import { buildPackFile, packSource } from '../../src-main/service/pack-build';
import { LabError, type LabService } from '../../src-main/service/lab-service';
import { parseLabPack } from '../../src-main/service/packs';
import type { RunHub } from '../../src-main/serve/run-hub';

/** The builder's service side: a pack written in the app, checked as a pack file is, comes back as its .conlabpack. */

const pack = () => ({
  format: 'conlab-lab-pack',
  version: 1,
  id: 'built-lab',
  title: { zh: '自建实验', en: 'Built lab' },
  instructions: { zh: '按顺序做。', en: 'Do them in order.' },
  lessons: [
    { id: 'race', lesson: 'race-counter', fixed: { threads: 4 }, open: ['windowMs'], questions: [{ id: 'q1', kind: 'number', text: { zh: '剩多少？', en: 'How many left?' }, answerFrom: { record: 'unlockedFinal' } }] },
    { id: 'start', lesson: 'thread-start' },
  ],
});

async function badInput(run: () => Promise<unknown>): Promise<string> {
  const error = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LabError);
  expect((error as LabError).code).toBe('bad-input');
  return (error as LabError).message;
}

describe('building a pack in the app', () => {
  it('returns the checked pack as a gzip .conlabpack that reads back to the same pack and hash', async () => {
    const built = await buildPackFile(JSON.stringify(pack()));
    expect(built).toMatchObject({ id: 'built-lab', lessons: 2, file: { fileName: 'built-lab.conlabpack', mimeType: 'application/gzip' } });
    const bytes = Buffer.from(built.file.dataBase64, 'base64');
    expect(bytes[0]).toBe(0x1f);
    const read = await parseLabPack(bytes);
    expect(read.hash).toBe(built.hash);
    expect(JSON.parse(gunzipSync(bytes).toString('utf8'))).toEqual(read.pack);
    expect(await packSource(bytes)).toEqual(read.pack);
  });

  it('refuses with the path of the first problem: schema, lesson id, fixed value, duplicate key', async () => {
    expect(await badInput(() => buildPackFile(JSON.stringify({ ...pack(), title: { zh: '', en: 'x' } })))).toMatch(/^lab pack is refused at title\.zh: expected Chinese text/);
    const unknownLesson = pack();
    unknownLesson.lessons[1]!.lesson = 'no-such-lesson';
    expect(await badInput(() => buildPackFile(JSON.stringify(unknownLesson)))).toMatch(/at lessons\[1\]\.lesson: no built-in lesson "no-such-lesson"/);
    const outOfRange = pack();
    outOfRange.lessons[0]!.fixed = { threads: 1000 };
    expect(await badInput(() => buildPackFile(JSON.stringify(outOfRange)))).toMatch(/at lessons\[0\]\.fixed\.threads: /);
    expect(await badInput(() => buildPackFile('{"format":"conlab-lab-pack","format":"x"}'))).toMatch(/at format: a key that appears twice/);
    expect(await badInput(() => buildPackFile('not json'))).toMatch(/^lab pack /);
    expect(await badInput(() => packSource(gzipSync('{"format":"conlab-submission"}')))).toMatch(/at format: expected "conlab-lab-pack"/);
  });

  it('is reached through the contract, its parameters checked before the service', async () => {
    const handlers = createContractHandlers({} as LabService, {} as RunHub, 'browser');
    const built = await handlers['packs.build']({ packJson: JSON.stringify(pack()) }, { subscriber: {} as never });
    const source = await handlers['packs.source']({ packBase64: built.file.dataBase64 }, { subscriber: {} as never });
    expect(source.lessons.map((l) => l.id)).toEqual(['race', 'start']);
    const { checkParams } = await import('../../src-main/contract/methods');
    expect(checkParams('packs.build', { packJson: '' }).ok).toBe(false);
    expect(checkParams('packs.build', { packJson: 'x'.repeat(8 * 1024 * 1024 + 1) }).ok).toBe(false);
    expect(checkParams('packs.source', { packBase64: '!!' }).ok).toBe(false);
  });
});
