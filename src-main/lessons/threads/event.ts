import type { Lesson } from '../../model/lesson';
import type { AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });
const RETRY_WAIT_MS = 150;
const TRIES = 3;
const setLate = { truthy: { param: 'setLate' } };

export const event: Lesson = {
  id: 'event',
  chapter: 'threads',
  title: { en: 'Events: wait until told, or give up', zh: '事件：等到通知，或者放弃' },
  text: {
    teaches: {
      en: 'An event is a flag that threads can wait on. wait() blocks until another thread calls set(); after that, every waiter passes at once, and later waiters pass without stopping. wait() can also take a timeout and report whether the flag was set, which is how a thread retries a few times and then gives up. First two threads wait for a "ready" event that main sets after a while; then two threads try to connect three times, waiting briefly each time, for an event that is set too late.',
      zh: '事件是线程可以等待的一个标志。wait() 一直阻塞，直到另一个线程调用 set()；此后所有等待者同时通过，之后再来的等待者也不会停下。wait() 还可以带超时，并告诉你标志是否已被设置，线程就是这样重试几次然后放弃的。先是两个线程等待 ready 事件，主程序过一会儿才设置它；然后两个线程尝试连接三次，每次只短暂等待，而它们等的事件设置得太晚了。',
    },
    watch: {
      en: 'In the first phase both waiter lanes sit in one long wait that ends together, right after the main lane\'s "setting" mark. In the second phase each retrier lane shows three short waits of 150 ms in a row, then "giving up"; the event is set only afterwards.',
      zh: '第一阶段，两条等待者泳道都停在一段长长的等待里，并在主泳道 setting 标记之后一起结束。第二阶段，每条重试者泳道连续出现三段 150 毫秒的短等待，然后是“放弃”；事件在那之后才被设置。',
    },
    pythonVsNode: {
      en: 'threading.Event works the same way; a Python retry loop would typically raise an error such as ConnectionError after its last try, where the lab logs and records the outcome. Node has no event for threads built in: the lab builds it from a word of shared memory, with Atomics.wait to sleep and Atomics.notify to wake the waiters, which is also how such primitives are built in C.',
      zh: 'threading.Event 的用法相同；Python 的重试循环通常在最后一次尝试失败后抛出 ConnectionError 之类的异常，实验室则打印并记录结果。Node 没有内置的线程事件：实验室用共享内存中的一个字来实现它，用 Atomics.wait 休眠、Atomics.notify 唤醒等待者，C 语言里的同类原语也是这样实现的。',
    },
    tryNext: {
      en: 'Set setLate=false: main sets the second event after 200 ms, while the retriers are still trying, and each connects on its first or second wait. Set setAfterMs=0: the first waiters find the event already set, or it is set moments after they start waiting; either way nobody passes before it.',
      zh: '设置 setLate=false：主程序在 200 毫秒后设置第二个事件，此时重试者还在尝试，它们会在第一次或第二次等待时连上。设置 setAfterMs=0：第一批等待者发现事件已经设置，或刚开始等待就被设置；无论哪种情况，都没有人在设置之前通过。',
    },
  },
  presets: [
    { id: 'set-early', label: { en: 'Set the second event early', zh: '提前设置第二个事件' }, params: { setLate: false } },
    { id: 'set-at-once', label: { en: 'Set the first event at once', zh: '立即设置第一个事件' }, params: { setAfterMs: 0 } },
  ],
  questions: [
    {
      id: 'tries',
      kind: 'number',
      text: {
        en: 'The event is set late. Each retrier waits on it with a timeout, at most 3 times. How many timed waits does a retrier make?',
        zh: '事件被很晚才设置。每个重试者带超时地等它，最多 3 次。一个重试者会等几次？',
      },
      min: 0,
      max: 100,
      answerFrom: { record: 'tries', agg: 'max' },
      tolerance: { absolute: 0 },
      why: { en: 'Each timed wait returns false when its time is up; after the third the retrier gives up.', zh: '每次带超时的等待到时都返回 false；第三次之后重试者就放弃了。' },
    },
    {
      id: 'connected',
      kind: 'choice',
      text: { en: 'Does a retrier connect in the end?', zh: '重试者最后连上了吗？' },
      choices: [{ id: 'yes', text: { en: 'Yes', zh: '连上了' }, when: '>=0.5' }, { id: 'no', text: { en: 'No, it gives up', zh: '没有，它放弃了' }, when: '<0.5' }],
      answerFrom: { record: 'connected', agg: 'first' },
      why: {
        en: 'With setLate=true the event comes after all three waits have run out. Set setLate=false and every retrier connects.',
        zh: 'setLate=true 时，事件在三次等待都用完之后才到。设 setLate=false，每个重试者都能连上。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'event',
    title: { en: 'Waiters, then retriers with timeouts', zh: '等待者，以及带超时的重试者' },
    params: {
      waiters: { type: 'integer', default: 2, min: 1, max: 20 },
      setAfterMs: { type: 'integer', default: 300, min: 0, max: 5000, description: { en: 'when main sets the ready event', zh: '主程序何时设置 ready 事件' } },
      retriers: { type: 'integer', default: 2, min: 1, max: 20 },
      setLate: { type: 'boolean', default: true, description: { en: 'set the second event only after the retriers gave up (else after 200 ms)', zh: '重试者放弃之后才设置第二个事件（否则在 200 毫秒后设置）' } },
    },
    primitives: { ready: { type: 'event' }, online: { type: 'event' } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'spawn', actor: 'waiter' },
          { op: 'log', message: 'main: checking the service before letting anyone in' },
          { op: 'sleep', ms: { param: 'setAfterMs' } },
          // The mark comes before the set, so nothing after the set can precede it.
          { op: 'mark', name: 'setting' },
          { op: 'set', prim: 'ready' },
          { op: 'join', actor: 'waiter' },
          { op: 'mark', name: 'retry-phase' },
          { op: 'spawn', actor: 'retrier' },
          {
            op: 'if',
            cond: setLate,
            then: [{ op: 'join', actor: 'retrier' }],
            else: [{ op: 'sleep', ms: 200 }],
          },
          { op: 'mark', name: 'setting-online' },
          { op: 'set', prim: 'online' },
          { op: 'join', actor: 'retrier' },
        ],
      },
      {
        name: 'waiter',
        kind: 'thread',
        count: { param: 'waiters' },
        autostart: false,
        program: [
          { op: 'log', message: '{me}: waiting until ready', values: { me: { self: 'name' } } },
          { op: 'wait', prim: 'ready', into: 'ok' },
          { op: 'record', name: 'passed', value: ref('ok') },
          { op: 'log', message: '{me}: in', values: { me: { self: 'name' } } },
        ],
      },
      {
        name: 'retrier',
        kind: 'thread',
        count: { param: 'retriers' },
        autostart: false,
        program: [
          { op: 'let', name: 'ok', value: false },
          { op: 'let', name: 'tries', value: 0 },
          {
            op: 'repeat',
            times: TRIES,
            steps: [
              {
                op: 'if',
                cond: { not: { truthy: ref('ok') } },
                then: [
                  { op: 'let', name: 'tries', value: { add: [ref('tries'), 1] } },
                  { op: 'log', message: '{me}: try {n}', values: { me: { self: 'name' }, n: ref('tries') } },
                  { op: 'wait', prim: 'online', timeoutMs: RETRY_WAIT_MS, into: 'ok' },
                ],
              },
            ],
          },
          { op: 'record', name: 'tries', value: ref('tries') },
          { op: 'record', name: 'connected', value: ref('ok') },
          { op: 'if', cond: { truthy: ref('ok') }, then: [{ op: 'log', message: '{me}: connected', values: { me: { self: 'name' } } }], else: [{ op: 'log', message: '{me}: giving up', values: { me: { self: 'name' } } }] },
        ],
      },
    ],
    claims: [
      {
        id: 'nobody-passes-before-set',
        text: { en: 'No waiter passes before the event is set, and then all of them pass', zh: '事件被设置之前没有等待者通过，设置之后全部通过' },
        check: {
          all: [
            { before: [{ event: { op: 'mark', name: 'setting', actor: 'main' }, pick: 'first' }, { event: { op: 'wait', ph: 'E', name: 'ready' }, pick: 'first' }] },
            { compare: [{ record: 'passed', agg: 'count' }, '==', { const: { param: 'waiters' } }] },
            { compare: [{ record: 'passed', agg: 'distinct' }, '==', { const: 1 }] },
            { compare: [{ record: 'passed', agg: 'first' }, '==', { const: true }] },
          ],
        },
      },
      {
        id: 'gives-up-after-three-waits',
        text: { en: 'When the event comes late, each retrier gives up after exactly 3 timed waits', zh: '事件来得太晚时，每个重试者恰好在 3 次超时等待后放弃' },
        when: setLate,
        check: {
          all: [
            { compare: [{ record: 'tries', agg: 'min' }, '==', { const: TRIES }] },
            { compare: [{ record: 'tries', agg: 'max' }, '==', { const: TRIES }] },
            { compare: [{ event: { op: 'wait', ph: 'E', name: 'online' }, pick: 'count' }, '==', { const: { param: 'retriers' } }], factor: TRIES },
            { compare: [{ record: 'connected', agg: 'distinct' }, '==', { const: 1 }] },
            { compare: [{ record: 'connected', agg: 'first' }, '==', { const: false }] },
          ],
        },
      },
      {
        id: 'connects-when-set-in-time',
        text: { en: 'When the event comes in time, every retrier connects within its 3 tries', zh: '事件及时到来时，每个重试者都在 3 次尝试之内连上' },
        when: { not: setLate },
        check: {
          all: [
            { compare: [{ record: 'connected', agg: 'distinct' }, '==', { const: 1 }] },
            { compare: [{ record: 'connected', agg: 'first' }, '==', { const: true }] },
            { compare: [{ record: 'tries', agg: 'max' }, '<=', { const: TRIES }] },
          ],
        },
      },
    ],
  },
};
