import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkSubmission, parseSubmission, serializeSubmission, SubmissionError } from '../../src-main/export/submission';
import { makePack, makeSubmission } from './submission-fixture';

const HASH = 'a'.repeat(64);
const pack = makePack(3);
const good = (): Record<string, unknown> => JSON.parse(JSON.stringify(makeSubmission(pack, HASH, 1, { events: 3 }))) as Record<string, unknown>;

async function refusal(input: Buffer | string): Promise<string> {
  const error = await parseSubmission(input).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SubmissionError);
  return (error as Error).message;
}

describe('submission format', () => {
  it('round-trips, gzip or plain', async () => {
    const submission = makeSubmission(pack, HASH, 1, { events: 3 });
    const read = await parseSubmission(serializeSubmission(submission));
    expect(read.student.name).toBe('学生 1');
    expect(read.runs).toHaveLength(3);
    expect(read.runs[0]!.events[0]!.count).toBe(3);
    expect((await parseSubmission(serializeSubmission(submission, { gzip: false }))).answers).toHaveLength(6);
  });

  it('refuses hostile submissions with the JSON path of the problem', async () => {
    const cases: [string, (s: Record<string, unknown>) => void, RegExp][] = [
      ['wrong type', (s) => (s['student'] = { name: 5 }), /at student\.name: /],
      ['control characters in a name', (s) => (s['student'] = { name: 'a\u001b[2Jb' }), /at student\.name: control/],
      ['a bad hash', (s) => ((s['pack'] as Record<string, unknown>)['hash'] = '../x'), /at pack\.hash: /],
      ['a broken run log inside', (s) => ((s['runs'] as { run: Record<string, unknown> }[])[1]!.run['wallMs'] = -1), /at runs\[1\]\.run\.wallMs: /],
      ['a broken event payload', (s) => ((s['runs'] as { events: Record<string, unknown>[] }[])[0]!.events[0]!['payload'] = '[[0,0,"x","Q"]]'), /at runs\[0\]\.events\[0\]\.payload\[0\]\[3\]/],
      ['a run not made for the pack', (s) => ((s['runs'] as { run: Record<string, unknown> }[])[2]!.run['tags'] = []), /at runs\[2\]\.run\.tags: the run is not tagged pack:class-pack/],
      ['a run twice', (s) => ((s['runs'] as { run: Record<string, unknown> }[])[2]!.run['id'] = (s['runs'] as { run: Record<string, unknown> }[])[0]!.run['id']), /at runs\[2\]\.run\.id: .*appears twice/],
      ['an answer for a run not there', (s) => ((s['answers'] as Record<string, unknown>[])[4]!['runId'] = 'run-9999'), /at answers\[4\]\.runId: no run run-9999/],
      ['an unknown field', (s) => (s['script'] = 'x'), /at \(top\): .*script/],
      ['a newer version', (s) => (s['version'] = 2), /at version: version 2 is newer/],
      ['not a submission', (s) => (s['format'] = 'conlab-lab-pack'), /at format: expected "conlab-submission"/],
    ];
    for (const [what, change, expected] of cases) {
      const s = good();
      change(s);
      expect(await refusal(JSON.stringify(s)), what).toMatch(expected);
      expect(() => checkSubmission(s), what).toThrow(SubmissionError);
    }
  });

  it('refuses deep, huge and bomb files before parsing them', async () => {
    expect(await refusal(`{"format":"conlab-submission","runs":${'['.repeat(50_000)}${']'.repeat(50_000)}}`)).toMatch(/submission is refused at runs.*nested/);
    expect((await parseSubmission(Buffer.alloc(2048, 0x20), { maxBytes: 1024 }).catch((e: unknown) => e)) as Error).toBeInstanceOf(SubmissionError);
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"format":"conlab-submission","x":['), Buffer.from('0,'.repeat(1_000_000)), Buffer.from('0]}')]));
    expect(((await parseSubmission(bomb, { maxBytes: 1024 * 1024 }).catch((e: unknown) => e)) as Error).message).toMatch(/submission decompresses to more than 1048576 bytes/);
    expect(await refusal('null')).toMatch(/expected a JSON object/);
  });
});
