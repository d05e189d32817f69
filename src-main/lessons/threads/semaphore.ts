import type { Lesson } from '../../model/lesson';

export const semaphore: Lesson = {
  id: 'semaphore',
  chapter: 'threads',
  title: { en: 'A semaphore lets at most N in', zh: '信号量最多放行 N 个' },
  text: {
    teaches: {
      en: 'A semaphore holds a number of permits. Acquiring takes one, waiting while none is left; releasing gives one back. With three permits and ten threads, at most three threads are ever inside the guarded section, however the threads are scheduled.',
      zh: '信号量持有若干许可。获取时拿走一个，没有剩余就等待；释放时归还一个。三个许可、十个线程：无论线程如何调度，受保护区域内最多同时只有三个线程。',
    },
    watch: {
      en: 'The lanes enter the section in waves of at most three; the others wait in "blocked" until a permit comes back. The metric section.room.max is the largest number seen inside at once.',
      zh: '泳道以最多三个一批的方式进入区域，其余的处于“等待”直到有许可归还。指标 section.room.max 是同一时刻区域内出现过的最大数量。',
    },
    pythonVsNode: {
      en: 'Python\'s threading.Semaphore is built on a lock and a condition inside one interpreter. Here the permits live in shared memory and threads on different cores take them with atomic compare-and-swap, sleeping in the kernel (futex) while none is free.',
      zh: 'Python 的 threading.Semaphore 在同一个解释器内由锁和条件变量实现。这里许可保存在共享内存中，不同核心上的线程用原子比较交换获取许可，没有许可时在内核中（futex）休眠。',
    },
    tryNext: {
      en: 'Set permits=1: the semaphore behaves like a mutex and the section is entered one at a time. Set permits to the thread count: nobody waits.',
      zh: '把 permits 设为 1：信号量就像互斥锁，区域一次只进一个。把 permits 设为线程数：没有人需要等待。',
    },
  },
  presets: [
    { id: 'one-permit', label: { en: 'One permit', zh: '只有一个许可' }, params: { permits: 1 } },
    { id: 'permit-each', label: { en: 'A permit for every thread', zh: '每个线程一个许可' }, params: { permits: 10 } },
  ],
  questions: [
    {
      id: 'max-inside',
      kind: 'number',
      text: { en: 'Ten threads share a semaphore with 3 permits. At most how many are inside the guarded section at once?', zh: '十个线程共用一个有 3 个许可的信号量。受保护的区域里同一时刻最多有几个线程？' },
      min: 0,
      max: 1000,
      answerFrom: { metric: 'section.room.max' },
      tolerance: { absolute: 0 },
      why: {
        en: 'Each thread takes a permit to enter and gives it back on leaving: never more than 3 inside, and with ten threads queueing, all 3 are used.',
        zh: '每个线程进去要拿一个许可，出来再还回去：里面永远不超过 3 个；十个线程在排队，3 个许可都会用满。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'semaphore',
    title: { en: 'Semaphore(3) with ten threads', zh: '十个线程与 Semaphore(3)' },
    params: {
      threads: { type: 'integer', default: 10, min: 1, max: 200 },
      permits: { type: 'integer', default: 3, min: 1, max: 100 },
      workMs: { type: 'integer', default: 100, min: 0, max: 2000 },
    },
    primitives: { gate: { type: 'semaphore', value: { param: 'permits' } } },
    actors: [
      {
        name: 'worker',
        kind: 'thread',
        count: { param: 'threads' },
        program: [
          { op: 'acquire', prim: 'gate' },
          { op: 'section', name: 'room', steps: [{ op: 'sleep', ms: { param: 'workMs' } }] },
          { op: 'release', prim: 'gate' },
        ],
      },
    ],
    claims: [
      {
        id: 'at-most-permits',
        text: { en: 'Never more threads inside than permits', zh: '区域内的线程数从不超过许可数' },
        check: { compare: [{ metric: 'section.room.max' }, '<=', { const: { param: 'permits' } }] },
      },
      {
        id: 'permits-used',
        text: { en: 'The permits are used: as many inside at once as permits allow', zh: '许可被充分使用：同时在内的数量达到许可数' },
        when: { compare: [{ param: 'threads' }, '>=', { param: 'permits' }] },
        check: { compare: [{ metric: 'section.room.max' }, '==', { const: { param: 'permits' } }] },
      },
    ],
  },
};
