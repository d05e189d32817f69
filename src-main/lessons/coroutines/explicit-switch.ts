import type { Lesson } from '../../model/lesson';
import type { AuthoredStep, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });
const next = (name: string): AuthoredStep => ({ op: 'let', name, value: { add: [ref(name), 1] } });

/** Appends "<what><k> " to the shared order, as the one actor running at this moment. */
const note = (what: string): AuthoredStep[] => [
  { op: 'read', var: 'order', into: 'sofar' },
  { op: 'write', var: 'order', value: { concat: [ref('sofar'), what, ref('k'), ' '] } },
  { op: 'record', name: 'step', value: { concat: [what, ref('k')] } },
];

export const explicitSwitch: Lesson = {
  id: 'explicit-switch',
  chapter: 'coroutines',
  title: { en: 'Switching by hand between two coroutines', zh: '在两个协程之间手动切换' },
  text: {
    teaches: {
      en: 'Coroutines are functions that can pause and hand control to another one, all on a single thread. Nothing switches them behind their backs: each one runs until it explicitly hands over. Two coroutines, eat and play, pass control back and forth, so the order is fixed by the program: eat1, play1, eat2, play2, however fast or slow the machine is.',
      zh: '协程是可以暂停并把控制权交给另一个函数的函数，全部运行在同一个线程上。没有任何东西会在背后切换它们：每个协程一直运行，直到它明确地交出控制权。eat 和 play 两个协程来回传递控制权，所以顺序完全由程序决定：eat1、play1、eat2、play2，与机器的快慢无关。',
    },
    watch: {
      en: 'The two task lanes never run at the same moment: each step of one starts after the other has handed over (set) and gone back to waiting. The record "order" lists the steps in the order they happened; both lanes report the runner\'s own thread id.',
      zh: '两条任务泳道从不在同一时刻运行：一方的每一步都在另一方交出控制权（set）并回到等待之后才开始。记录 order 按发生顺序列出各步；两条泳道报告的都是运行器自己的线程 id。',
    },
    pythonVsNode: {
      en: 'Python\'s greenlet switches with f.switch(): a direct jump into the other function\'s paused stack. Node has no stackful coroutines; its async functions pause only at await and resume through the event loop. The lab therefore builds the hand-over from two events that the tasks set and wait on: same order, same single thread, but each switch is a trip through the event loop rather than a direct jump.',
      zh: 'Python 的 greenlet 用 f.switch() 切换：直接跳进另一个函数被暂停的栈。Node 没有有栈协程；它的 async 函数只在 await 处暂停，并通过事件循环恢复。因此实验室用两个事件来实现交接，由任务设置和等待：顺序相同，同样只有一个线程，只是每次切换都要经过一次事件循环，而不是直接跳转。',
    },
    tryNext: {
      en: 'Set rounds=5: the pattern simply continues up to eat5, play5, never out of turn. Compare with auto-switch-on-io, where tasks switch whenever one of them waits, without saying to whom.',
      zh: '设置 rounds=5：这个模式一直延续到 eat5、play5，从不乱序。再对比 auto-switch-on-io：那里的任务在任何一方等待时就切换，而不指定切给谁。',
    },
  },
  presets: [
    { id: 'five-rounds', label: { en: 'Five rounds', zh: '五轮' }, params: { rounds: 5 } },
  ],
  questions: [
    {
      id: 'first-step',
      kind: 'choice',
      text: { en: 'Two coroutines, eat and play, hand control to each other. Which step runs first?', zh: '两个协程 eat 和 play 互相交出控制权。哪一步最先运行？' },
      choices: [{ id: 'eat1', text: { en: 'eat1', zh: 'eat1' }, is: 'eat1' }, { id: 'play1', text: { en: 'play1', zh: 'play1' }, is: 'play1' }],
      answerFrom: { record: 'step', agg: 'first' },
      why: {
        en: 'Nothing switches them behind their backs: the order is fixed by the program, eat1, play1, eat2, play2, however fast the machine.',
        zh: '没有谁在背后切换它们：顺序由程序写死，eat1、play1、eat2、play2，与机器快慢无关。',
      },
    },
    {
      id: 'threads',
      kind: 'choice',
      text: { en: 'How many threads do the two coroutines run on?', zh: '这两个协程跑在几个线程上？' },
      choices: [{ id: 'yes', text: { en: 'One, the same thread', zh: '一个，同一个线程' }, when: '>=0.5' }, { id: 'no', text: { en: 'Two, one each', zh: '两个，各一个' }, when: '<0.5' }],
      answerFrom: { claim: 'one-thread' },
      why: { en: 'Coroutines are functions that pause and resume on a single thread.', zh: '协程是在单个线程里暂停、恢复的函数。' },
    },
  ],
  spec: {
    version: 1,
    id: 'explicit-switch',
    title: { en: 'eat and play take turns', zh: 'eat 与 play 轮流执行' },
    params: {
      rounds: { type: 'integer', default: 2, min: 1, max: 50 },
    },
    shared: { order: { scope: 'managed', initial: '', description: { en: 'the steps, in the order they ran', zh: '各步骤按运行顺序排列' } } },
    primitives: { eatTurn: { type: 'event' }, playTurn: { type: 'event' } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'spawn', actor: 'eat' },
          { op: 'spawn', actor: 'play' },
          { op: 'let', name: 'expected', value: '' },
          { op: 'let', name: 'k', value: 1 },
          {
            op: 'repeat',
            times: { param: 'rounds' },
            steps: [{ op: 'let', name: 'expected', value: { concat: [ref('expected'), 'eat', ref('k'), ' play', ref('k'), ' '] } }, next('k')],
          },
          { op: 'join', actor: 'eat' },
          { op: 'join', actor: 'play' },
          { op: 'read', var: 'order', into: 'order' },
          { op: 'record', name: 'order', value: ref('order') },
          { op: 'record', name: 'expected', value: ref('expected') },
        ],
      },
      {
        name: 'eat',
        kind: 'task',
        autostart: false,
        program: [
          { op: 'let', name: 'k', value: 1 },
          {
            op: 'repeat',
            times: { param: 'rounds' },
            steps: [
              ...note('eat'),
              // Hand over to play, then sleep until play hands back.
              { op: 'set', prim: 'playTurn' },
              { op: 'wait', prim: 'eatTurn' },
              { op: 'clear', prim: 'eatTurn' },
              next('k'),
            ],
          },
        ],
      },
      {
        name: 'play',
        kind: 'task',
        autostart: false,
        program: [
          { op: 'let', name: 'k', value: 1 },
          {
            op: 'repeat',
            times: { param: 'rounds' },
            steps: [
              { op: 'wait', prim: 'playTurn' },
              { op: 'clear', prim: 'playTurn' },
              ...note('play'),
              { op: 'set', prim: 'eatTurn' },
              next('k'),
            ],
          },
        ],
      },
    ],
    claims: [
      {
        id: 'order-is-fixed',
        text: { en: 'The steps run in strict turns: eat1, play1, eat2, play2', zh: '各步严格轮流执行：eat1、play1、eat2、play2' },
        check: {
          all: [
            { compare: [{ record: 'order' }, '==', { record: 'expected' }] },
            { compare: [{ record: 'step', agg: 'first' }, '==', { const: 'eat1' }] },
            { compare: [{ record: 'step', agg: 'count' }, '==', { const: { param: 'rounds' } }], factor: 2 },
          ],
        },
      },
      {
        id: 'one-thread',
        text: { en: 'Both coroutines ran on the runner\'s one thread', zh: '两个协程都运行在运行器的同一个线程上' },
        check: {
          all: [
            { compare: [{ actor: 'eat', field: 'threadId' }, '==', { runner: 'threadId' }] },
            { compare: [{ actor: 'play', field: 'threadId' }, '==', { runner: 'threadId' }] },
            { compare: [{ actor: 'eat', field: 'pid' }, '==', { runner: 'pid' }] },
          ],
        },
      },
    ],
  },
};
