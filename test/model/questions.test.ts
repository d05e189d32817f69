// The predictions scorer: a prediction beside the run's own value, right, wrong or not scorable; and the
// service's check of a learner's answers against the questions before anything is stored.
import { describe, expect, it } from 'vitest';
import { checkPredictions, predictionProblem, questionListSchema, scorePrediction, sourceValue, type Question } from '../../src-main/model/questions';
import { checkPredictionInputs } from '../../src-main/service/predictions';
import { makeRun, makeTrial } from '../export/run-fixture';

const lost: Question = {
  id: 'lost',
  kind: 'number',
  text: { en: 'How many updates are lost?', zh: '会丢多少次更新？' },
  answerFrom: { record: 'unlockedFinal' },
  tolerance: { absolute: 2 },
  min: 0,
  max: 200,
};
const faster: Question = {
  id: 'faster',
  kind: 'choice',
  text: { en: 'Which is faster?', zh: '哪个更快？' },
  choices: [
    { id: 'threads', text: { en: 'threads', zh: '线程' }, when: '<1' },
    { id: 'processes', text: { en: 'processes', zh: '进程' }, when: '>=1' },
  ],
  answerFrom: { ratio: [{ record: 'threadMs' }, { record: 'processMs' }] },
};
const status: Question = {
  id: 'status',
  kind: 'choice',
  text: { en: 'What does the last receive get?', zh: '最后一次接收得到什么？' },
  choices: [
    { id: 'eof', text: { en: 'EOF', zh: 'EOF' }, is: 'eof' },
    { id: 'timeout', text: { en: 'timeout', zh: '超时' }, is: 'timeout' },
  ],
  answerFrom: { record: 'lastStatus' },
};

// Three counted trials after a warm-up whose values would change every median.
const run = makeRun({
  trials: [
    makeTrial({ index: 0, warmup: true, records: { unlockedFinal: [0], threadMs: [1], processMs: [1000], lastStatus: ['timeout'] } }),
    makeTrial({ index: 1, records: { unlockedFinal: [20, 15], threadMs: [120], processMs: [100], lastStatus: ['eof'], served: [1, 1, 2] } }),
    makeTrial({ index: 2, records: { unlockedFinal: [17], threadMs: [110], processMs: [100], lastStatus: ['eof'], served: [3] } }),
    makeTrial({ index: 3, records: { unlockedFinal: [19], threadMs: [130], processMs: [100], lastStatus: ['timeout'], served: [] } }),
  ],
});

describe('scorePrediction', () => {
  it('reads a number as the median over counted trials of each one’s last value, and takes the tolerance', () => {
    expect(sourceValue(run, { record: 'unlockedFinal' })).toBe(17);
    expect(scorePrediction(lost, '15', run)).toEqual({ question: 'lost', given: '15', measured: 17, rightChoice: null, right: true });
    expect(scorePrediction(lost, 14, run).right).toBe(false);
    expect(scorePrediction({ ...lost, tolerance: undefined }, '17', run).right).toBe(true);
    expect(scorePrediction({ ...lost, tolerance: undefined }, '18', run).right).toBe(false);
    expect(scorePrediction({ ...lost, tolerance: { relative: 0.2 } }, 20, run).right).toBe(true);
    expect(scorePrediction(lost, 'many', run).right).toBe(false);
  });

  it('picks the right choice by condition on a ratio, and by text on a recorded string (the most common over trials)', () => {
    expect(sourceValue(run, faster.answerFrom!)).toBeCloseTo(1.2);
    expect(scorePrediction(faster, 'processes', run)).toMatchObject({ right: true, rightChoice: 'processes' });
    expect(scorePrediction(faster, 'threads', run)).toMatchObject({ right: false, rightChoice: 'processes' });
    expect(scorePrediction(status, 'eof', run)).toMatchObject({ measured: 'eof', right: true });
    expect(scorePrediction(status, 'timeout', run).right).toBe(false);
  });

  it('aggregates a record within each trial (count, sum, distinct) and reads a claim as 1 or 0', () => {
    expect(sourceValue(run, { record: 'served', agg: 'count' })).toBe(1);
    // An empty list has no sum: the median of 4 and 3.
    expect(sourceValue(run, { record: 'served', agg: 'sum' })).toBe(3.5);
    expect(sourceValue(run, { record: 'served', agg: 'distinct' })).toBe(1);
    expect(sourceValue(run, { claim: 'loses-updates' })).toBe(1);
    expect(sourceValue(makeRun({ claims: [{ ...run.claims[0]!, status: 'fails' }] }), { claim: 'loses-updates' })).toBe(0);
    expect(sourceValue(makeRun({ claims: [{ ...run.claims[0]!, status: 'inconclusive' }] }), { claim: 'loses-updates' })).toBeNull();
    expect(sourceValue(run, { difference: [{ record: 'threadMs' }, { record: 'processMs' }] })).toBe(20);
  });

  it('is not scorable without a source, without the value in the run, with a zero divisor, or when no choice matches', () => {
    expect(scorePrediction({ ...lost, answerFrom: undefined }, 3, run)).toMatchObject({ measured: null, right: null });
    expect(scorePrediction({ ...lost, answerFrom: { record: 'missing' } }, 3, run)).toMatchObject({ measured: null, right: null });
    expect(scorePrediction({ ...faster, answerFrom: { ratio: [{ record: 'threadMs' }, { metric: 'none' }] } }, 'threads', run).right).toBeNull();
    const zero = makeRun({ trials: [makeTrial({ records: { a: [5], b: [0] } })] });
    expect(sourceValue(zero, { ratio: [{ record: 'a' }, { record: 'b' }] })).toBeNull();
    expect(scorePrediction({ ...status, answerFrom: { record: 'unlockedFinal' } }, 'eof', run)).toMatchObject({ measured: 17, rightChoice: null, right: null });
  });

  it('checks stored predictions in the questions’ order, leaving out answers to questions not asked', () => {
    const checks = checkPredictions([lost, faster], [{ question: 'faster', value: 'threads' }, { question: 'other', value: '1' }, { question: 'lost', value: '18' }], run);
    expect(checks.map((c) => [c.question, c.right])).toEqual([['lost', true], ['faster', false]]);
  });
});

describe('checking answers before they are stored', () => {
  it('accepts a choice id and a number in range, numbers kept as text', () => {
    const stored = checkPredictionInputs([lost, faster], [{ question: 'lost', value: 12 }, { question: 'faster', value: 'threads' }], new Date('2025-03-01T10:00:00.000Z'));
    expect(stored).toEqual([
      { question: 'lost', value: '12', answeredAt: '2025-03-01T10:00:00.000Z' },
      { question: 'faster', value: 'threads', answeredAt: '2025-03-01T10:00:00.000Z' },
    ]);
  });

  it('refuses an unknown question, a second answer, a choice not offered, a number out of range or not a number, naming where', () => {
    expect(() => checkPredictionInputs([lost], [{ question: 'nope', value: 1 }])).toThrow('predictions[0].question: no question "nope" (expected one of lost)');
    expect(() => checkPredictionInputs([], [{ question: 'nope', value: 1 }])).toThrow(/this run asks none/);
    expect(() => checkPredictionInputs([lost], [{ question: 'lost', value: 1 }, { question: 'lost', value: 2 }])).toThrow('predictions[1].question: "lost" is answered twice');
    expect(() => checkPredictionInputs([faster], [{ question: 'faster', value: 'both' }])).toThrow('predictions[0].value: question faster: "both" is not one of its choices (threads, processes)');
    expect(() => checkPredictionInputs([lost], [{ question: 'lost', value: 201 }])).toThrow(/predictions\[0\]\.value: question lost: 201 is outside 0\.\.200/);
    expect(() => checkPredictionInputs([lost], [{ question: 'lost', value: 'lots' }])).toThrow(/expected a number, got "lots"/);
    expect(predictionProblem(lost, ' ')).toMatch(/expected a number/);
  });

  it('a question list refuses repeated ids and a choice right both by condition and by text', () => {
    expect(questionListSchema.safeParse([lost, lost]).success).toBe(false);
    const both = { ...status, choices: [{ ...status.choices[0]!, when: '>0' }, status.choices[1]!] };
    expect(questionListSchema.safeParse([both]).success).toBe(false);
    expect(questionListSchema.safeParse([lost, faster, status]).success).toBe(true);
    expect(questionListSchema.safeParse([lost, faster, status, { ...lost, id: 'fourth' }]).success).toBe(false);
  });
});
