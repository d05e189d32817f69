// @vitest-environment happy-dom
// "Predict first" in the renderer: the panel's answers become runs.start's predictions (blank ones left out,
// a bad one blocks), and after a run each prediction stands beside the measured value, right or wrong, with
// its why, in English and Chinese.
import { describe, expect, test } from 'vitest';
import PredictCheck from '../../src-renderer/components/predict/PredictCheck.vue';
import PredictPanel from '../../src-renderer/components/predict/PredictPanel.vue';
import { predictionInputs, predictionsValid } from '../../src-renderer/components/predict/predict-form';
import type { Question } from '@contract/predictions';
import { FakeLab } from './fake-client';
import { record } from './fixtures';
import { mountWithApp } from './mount-app';

/** Questions as race-counter asks them (the lesson reaches the renderer through lessons.get). */
const questions: readonly Question[] = [
  {
    id: 'lost-unlocked',
    kind: 'number',
    text: { en: 'How many of the 20 updates will be lost?', zh: '20 次更新里会丢掉几次？' },
    min: 0,
    max: 200,
    answerFrom: { record: 'unlockedFinal' },
    tolerance: { absolute: 4 },
    why: { en: 'Threads that read before the others have written back overwrite each other.', zh: '在别人写回之前就读取的线程会互相覆盖。' },
  },
  {
    id: 'lost-locked',
    kind: 'number',
    text: { en: 'With a mutex, what is the counter at the end?', zh: '加互斥锁后，计数器最终是多少？' },
    min: 0,
    max: 200,
    answerFrom: { record: 'lockedFinal' },
    tolerance: { absolute: 0 },
  },
  {
    id: 'lock-or-serial',
    kind: 'choice',
    text: { en: 'Which is faster?', zh: '哪个更快？' },
    choices: [
      { id: 'lock', text: { en: 'Threads with the lock', zh: '加锁的多线程' }, when: '<1' },
      { id: 'serial', text: { en: 'One thread at a time', zh: '一次一个线程' }, when: '>=1' },
    ],
    answerFrom: { ratio: [{ record: 'lockedMs' }, { record: 'serialWorkMs', agg: 'sum' }] },
    why: { en: 'Only the critical section is serialized.', zh: '被串行化的只有临界区。' },
  },
];

describe('predict form', () => {
  test('answers given become predictions in the questions’ order, numbers as numbers; a bad one makes the form invalid', () => {
    const answers = { 'lock-or-serial': 'lock', 'lost-unlocked': ' 12 ', 'lost-locked': '' };
    expect(predictionInputs(questions, answers)).toEqual([
      { question: 'lost-unlocked', value: 12 },
      { question: 'lock-or-serial', value: 'lock' },
    ]);
    expect(predictionsValid(questions, answers)).toBe(true);
    expect(predictionsValid(questions, { 'lost-unlocked': '500' })).toBe(false);
    expect(predictionsValid(questions, { 'lock-or-serial': 'both' })).toBe(false);
  });

  test('the panel asks every question, counts the answers, and Skip hides them', async () => {
    new FakeLab().install();
    const { wrapper } = await mountWithApp(PredictPanel, { props: { questions, answers: { 'lost-unlocked': '3' }, skipped: false } });
    expect(wrapper.findAll('fieldset.question')).toHaveLength(3);
    expect(wrapper.findAll('input[type="radio"]')).toHaveLength(2);
    expect(wrapper.get('[data-testid="predict-count"]').text()).toBe('1 of 3 answered');
    await wrapper.get('[data-testid="predict-lock-or-serial-serial"]').setValue(true);
    expect(wrapper.emitted('update:answers')!.at(-1)).toEqual([{ 'lost-unlocked': '3', 'lock-or-serial': 'serial' }]);
    await wrapper.get('[data-testid="predict-skip"]').trigger('click');
    expect(wrapper.emitted('update:skipped')!.at(-1)).toEqual([true]);
  });
});

describe('PredictCheck', () => {
  const run = record('run-predict-1', {
    trials: [{ ...record('x').trials[0]!, warmup: false, records: { unlockedFinal: [17], lockedMs: [400], serialWorkMs: [100, 100, 100, 100, 100, 100, 100, 100] } }],
    predictions: [
      { question: 'lost-unlocked', value: '15', answeredAt: '2025-03-01T10:00:00.000Z' },
      { question: 'lock-or-serial', value: 'serial', answeredAt: '2025-03-01T10:00:00.000Z' },
    ],
  });

  test('each prediction beside what the run measured, right or wrong, with its why', async () => {
    new FakeLab().install();
    const { wrapper } = await mountWithApp(PredictCheck, { props: { questions, run } });
    const rows = wrapper.findAll('[data-testid="prediction"]');
    expect(rows.map((row) => row.attributes('data-question'))).toEqual(['lost-unlocked', 'lock-or-serial']);
    expect(rows[0]!.get('[data-testid="prediction-given"]').text()).toBe('You said: 15');
    expect(rows[0]!.get('[data-testid="prediction-measured"]').text()).toBe('The run measured: 17');
    expect(rows[0]!.get('[data-testid="prediction-verdict"]').attributes('data-right')).toBe('true');
    expect(rows[1]!.get('[data-testid="prediction-given"]').text()).toBe('You said: One thread at a time');
    expect(rows[1]!.get('[data-testid="prediction-happened"]').text()).toBe('What happened: Threads with the lock');
    expect(rows[1]!.get('[data-testid="prediction-verdict"]').attributes('data-right')).toBe('false');
    expect(rows[1]!.get('[data-testid="prediction-why"]').text()).toContain('critical section');
  });

  test('in Chinese', async () => {
    new FakeLab().install();
    const { wrapper } = await mountWithApp(PredictCheck, { props: { questions, run }, locale: 'zh-CN' });
    expect(wrapper.get('h2').text()).toBe('你的预测');
    expect(wrapper.findAll('[data-testid="prediction-verdict"]').map((v) => v.text())).toEqual(['✓ 猜对了', '✗ 这次没猜中']);
    expect(wrapper.findAll('[data-testid="prediction-why"]')[0]!.text()).toContain('为什么');
  });
});
