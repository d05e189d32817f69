import type { Lesson } from '../../model/lesson';
import type { AuthoredCond, AuthoredStep, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });

/**
 * A timer as Python builds one: a thread that waits on its own "cancelled" event for the delay, and
 * runs the function only if the wait ran out without the event being set.
 */
const timerProgram = (cancelEvent: string): AuthoredStep[] => [
  { op: 'let', name: 'began', value: { now: 'ms' } },
  { op: 'wait', prim: cancelEvent, timeoutMs: { param: 'delayMs' }, into: 'cancelled' },
  { op: 'record', name: 'cancelled', value: ref('cancelled') },
  {
    op: 'if',
    cond: { not: { truthy: ref('cancelled') } },
    then: [
      { op: 'mark', name: 'fired' },
      { op: 'record', name: 'firedAt', value: { now: 'ms' } },
      { op: 'record', name: 'waitedMs', value: { sub: [{ now: 'ms' }, ref('began')] } },
      { op: 'log', message: '{me}: time is up, reporting', values: { me: { self: 'name' } } },
    ],
    else: [{ op: 'log', message: '{me}: cancelled, nothing to do', values: { me: { self: 'name' } } }],
  },
];

const cancelInTime: AuthoredCond = { compare: [{ param: 'cancelAfterMs' }, '<', { param: 'delayMs' }] };

export const timer: Lesson = {
  id: 'timer',
  chapter: 'threads',
  title: { en: 'Timers: run later, unless cancelled', zh: '定时器：稍后执行，除非被取消' },
  text: {
    teaches: {
      en: 'A timer runs a function once a delay has passed, without holding up the code that started it, and it can be cancelled until then. Underneath, a timer is just a thread that waits on a "cancelled" flag with a timeout: if the wait runs out, it calls the function; if someone sets the flag first, it ends without calling anything. Main starts two timers of 200 ms and cancels the second after 100 ms.',
      zh: '定时器在延时过后执行一个函数，不会拖住启动它的代码，并且在此之前可以被取消。在底层，定时器只是一个带超时地等待“已取消”标志的线程：等待超时，就调用函数；如果有人先设置了标志，它就什么都不调用地结束。主程序启动两个 200 毫秒的定时器，并在 100 毫秒后取消第二个。',
    },
    watch: {
      en: 'Both timer lanes open with a wait. The first waits the whole delay and then marks "fired"; the second wakes early, when the main lane sets its cancel event, and ends without firing.',
      zh: '两条定时器泳道都以一段等待开始。第一条等满整个延时，然后标记 fired；第二条在主泳道设置它的取消事件时提前醒来，不触发就结束了。',
    },
    pythonVsNode: {
      en: 'Python\'s threading.Timer is exactly this: a Thread subclass whose run() waits on an Event for the interval and calls the function unless cancel() set the event. The lab builds it from the same parts: a worker thread, an event, a timed wait. In everyday Node you would write setTimeout and clearTimeout instead: no thread at all, the callback runs on the event loop when the time is up.',
      zh: 'Python 的 threading.Timer 正是如此：一个 Thread 子类，它的 run() 在一个 Event 上等待指定间隔，除非 cancel() 设置了这个事件，否则就调用函数。实验室用同样的零件来搭建：一个 worker 线程、一个事件、一次带超时的等待。在日常的 Node 代码里你会改用 setTimeout 和 clearTimeout：根本不需要线程，时间一到回调就在事件循环上执行。',
    },
    tryNext: {
      en: 'Set cancelAfterMs=300 (later than the delay): the second timer normally fires before the cancel arrives, and cancelling then has no effect (no claim is checked then: which comes first depends on how fast the thread started). Set delayMs=1000: the first timer fires a second after main started it, plus the tens of milliseconds its thread needed to start.',
      zh: '设置 cancelAfterMs=300（比延时更晚）：第二个定时器通常在取消到达之前就已触发，此时取消不再起作用（这时不检查任何论断：谁先谁后取决于线程启动得有多快）。设置 delayMs=1000：第一个定时器在主程序启动它一秒之后触发，再加上它的线程启动所需的几十毫秒。',
    },
  },
  presets: [
    { id: 'cancel-late', label: { en: 'Cancel too late', zh: '取消得太晚' }, params: { cancelAfterMs: 300 } },
    { id: 'one-second-delay', label: { en: 'A one-second delay', zh: '延迟一秒' }, params: { delayMs: 1000 } },
  ],
  questions: [
    {
      id: 'fires-after',
      kind: 'number',
      text: { en: 'A timer of 200 ms is started. How many ms after its start does it fire?', zh: '启动一个 200 毫秒的定时器。它在启动后多少毫秒触发？' },
      unit: 'ms',
      min: 0,
      max: 600000,
      answerFrom: { record: 'waitedMs' },
      tolerance: { absolute: 60 },
      why: {
        en: 'A timer is a thread waiting on its "cancelled" flag with a timeout: it fires once the 200 ms have run out, a little later on a busy machine, never sooner.',
        zh: '定时器就是一个带超时地等待“已取消”标志的线程：200 毫秒一到就触发，机器忙时稍晚一点，但绝不会提前。',
      },
    },
    {
      id: 'cancelled',
      kind: 'choice',
      text: { en: 'A second 200 ms timer is cancelled after 100 ms. Does it fire?', zh: '第二个 200 毫秒的定时器在 100 毫秒时被取消。它还会触发吗？' },
      choices: [{ id: 'yes', text: { en: 'No, never', zh: '不会' }, when: '>=0.5' }, { id: 'no', text: { en: 'Yes, it fires anyway', zh: '会，照样触发' }, when: '<0.5' }],
      answerFrom: { claim: 'cancelled-never-fires' },
      why: {
        en: 'Cancelling sets the flag the timer thread waits on: it wakes before its time is up and ends without calling anything.',
        zh: '取消就是设置定时器线程在等的那个标志：它在到时之前醒来，什么也不调用就结束。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'timer',
    title: { en: 'Two timers, one cancelled', zh: '两个定时器，取消其中一个' },
    params: {
      delayMs: { type: 'integer', default: 200, min: 10, max: 10_000, description: { en: 'the timers\' delay', zh: '定时器的延时' } },
      cancelAfterMs: { type: 'integer', default: 100, min: 0, max: 10_000, description: { en: 'when main cancels the second timer', zh: '主程序何时取消第二个定时器' } },
    },
    primitives: { reportCancelled: { type: 'event' }, reminderCancelled: { type: 'event' } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'let', name: 't0', value: { now: 'ms' } },
          { op: 'record', name: 'startedAt', value: ref('t0') },
          { op: 'record', name: 'dueAt', value: { add: [ref('t0'), { param: 'delayMs' }] } },
          { op: 'spawn', actor: 'report' },
          { op: 'spawn', actor: 'reminder' },
          { op: 'log', message: 'main: two timers started, carrying on' },
          { op: 'sleep', ms: { param: 'cancelAfterMs' } },
          { op: 'mark', name: 'cancel' },
          { op: 'set', prim: 'reminderCancelled' },
          { op: 'join', actor: 'report' },
          { op: 'join', actor: 'reminder' },
        ],
      },
      { name: 'report', kind: 'thread', autostart: false, program: timerProgram('reportCancelled') },
      { name: 'reminder', kind: 'thread', autostart: false, program: timerProgram('reminderCancelled') },
    ],
    claims: [
      {
        id: 'fires-after-delay',
        text: { en: 'The timer fires no sooner than its delay after it was started, and promptly then', zh: '定时器不会早于启动后的延时触发，到时则及时触发' },
        check: {
          all: [
            { compare: [{ record: 'firedAt', actor: 'report' }, '>=', { record: 'dueAt' }] },
            { compare: [{ record: 'waitedMs', actor: 'report' }, '>=', { const: { param: 'delayMs' } }], factor: 0.99 },
            { compare: [{ record: 'waitedMs', actor: 'report' }, '<', { const: { param: 'delayMs' } }], plus: 150 },
          ],
        },
      },
      {
        id: 'cancelled-never-fires',
        text: { en: 'A timer cancelled before its delay never fires', zh: '在延时之前被取消的定时器永远不会触发' },
        when: cancelInTime,
        check: {
          all: [
            { compare: [{ event: { op: 'mark', name: 'fired', actor: 'reminder' }, pick: 'count' }, '==', { const: 0 }] },
            { compare: [{ record: 'cancelled', actor: 'reminder' }, '==', { const: true }] },
          ],
        },
      },
    ],
  },
};
