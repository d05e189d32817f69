import type { Lesson } from '../../model/lesson';
import type { AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });

export const producerConsumer: Lesson = {
  id: 'producer-consumer',
  chapter: 'processes',
  title: { en: 'Producers, consumers and a joinable queue', zh: '生产者、消费者与可 join 的队列' },
  text: {
    teaches: {
      en: 'Producers and consumers never talk to each other directly: producers put work into a queue, consumers take it out, and each side runs at its own pace. A joinable queue also counts unfinished work: every put adds one, every task_done from a consumer takes one away, and join() on the queue returns only when the count is back to zero. That lets the main program know all work is done even though its consumers loop forever; making them daemons lets the program end with them still waiting for more.',
      zh: '生产者和消费者从不直接对话：生产者把任务放进队列，消费者从队列里取，两边各按自己的节奏运行。可 join 的队列还会统计未完成的任务：每次 put 加一，消费者每次 task_done 减一，在队列上调用 join() 要等计数回到零才返回。这样即使消费者永远在循环，主程序也能知道所有工作已经完成；把消费者设为守护进程，程序就能在它们仍等待新任务时结束。',
    },
    watch: {
      en: 'Producer lanes put a dish every produceMs; consumer lanes alternate get (a wait while the queue is empty), work, and task_done. The main lane joins the producers, then joins the queue: that span ends right after the last task_done. The consumer lanes then end as "daemon-stopped", blocked in a get that will never be answered.',
      zh: '生产者泳道每隔 produceMs 放入一道菜；消费者泳道交替进行 get（队列空时等待）、处理和 task_done。主泳道先 join 生产者，再 join 队列：这一段正好在最后一次 task_done 之后结束。随后消费者泳道以 daemon-stopped 结束，停在一个永远不会有回应的 get 上。',
    },
    pythonVsNode: {
      en: 'This is multiprocessing.JoinableQueue with daemon consumers, as in Python. The difference is underneath: Python moves items through a pipe and counts unfinished tasks with a shared semaphore, while here the queue and its count live in the runner and each process reaches them through IPC messages. Python consumers often stop on a sentinel value such as None; daemon consumers plus queue.join() need no sentinel.',
      zh: '这就是 Python 中带守护消费者的 multiprocessing.JoinableQueue。区别在底层：Python 通过管道传递数据，用一个共享信号量统计未完成任务；这里队列及其计数都放在运行器里，每个进程通过 IPC 消息访问。Python 的消费者常用 None 之类的哨兵值来停止；守护消费者加上 queue.join() 就不需要哨兵。',
    },
    tryNext: {
      en: 'Set consumeMs=400: consumers fall behind, the queue grows, and the queue join lasts much longer, yet consumed still equals produced. Set consumers=1: one consumer does all the work. Set produceMs=0: all dishes are in the queue almost at once and the consumers share them.',
      zh: '设置 consumeMs=400：消费者跟不上，队列变长，queue join 持续得更久，但消费数仍等于生产数。设置 consumers=1：一个消费者包揽所有工作。设置 produceMs=0：所有菜几乎同时进入队列，由消费者们分食。',
    },
  },
  presets: [
    { id: 'slow-consumers', label: { en: 'Slow consumers', zh: '消费者变慢' }, params: { consumeMs: 400 } },
    { id: 'one-consumer', label: { en: 'One consumer', zh: '只有一个消费者' }, params: { consumers: 1 } },
    { id: 'instant-producers', label: { en: 'Producers without pause', zh: '生产者不停顿' }, params: { produceMs: 0 } },
  ],
  questions: [
    {
      id: 'consumed',
      kind: 'number',
      text: { en: 'Two producers each make 3 dishes; two consumers eat them. How many dishes get consumed in all?', zh: '两个生产者各做 3 道菜，两个消费者来吃。一共会吃掉多少道菜？' },
      min: 0,
      max: 10000,
      answerFrom: { record: 'consumed', agg: 'count' },
      tolerance: { absolute: 0 },
      why: { en: 'The queue hands each dish to exactly one consumer: 2 × 3 = 6, none lost and none eaten twice.', zh: '队列把每道菜恰好交给一个消费者：2 × 3 = 6 道，不丢也不重复。' },
    },
    {
      id: 'join-waits',
      kind: 'choice',
      text: { en: 'When does join() on the joinable queue return?', zh: '可 join 的队列上，join() 什么时候返回？' },
      choices: [
        { id: 'yes', text: { en: 'Only after the last dish is finished (task_done)', zh: '最后一道菜处理完（task_done）之后' }, when: '>=0.5' },
        { id: 'no', text: { en: 'As soon as the queue is empty', zh: '队列一空就返回' }, when: '<0.5' },
      ],
      answerFrom: { claim: 'join-after-last-task-done' },
      why: {
        en: 'The queue counts unfinished work: each put adds one, each task_done takes one away. join() waits for zero, which is after the last dish is finished, not when it is taken out.',
        zh: '队列会数未完成的工作：每次 put 加一，每次 task_done 减一。join() 等的是归零，也就是最后一道菜处理完之后，而不是被取出的时候。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'producer-consumer',
    title: { en: 'Two producers, two daemon consumers', zh: '两个生产者，两个守护消费者' },
    params: {
      producers: { type: 'integer', default: 2, min: 1, max: 8 },
      consumers: { type: 'integer', default: 2, min: 1, max: 8 },
      items: { type: 'integer', default: 3, min: 1, max: 50, description: { en: 'dishes each producer makes', zh: '每个生产者做的菜数' } },
      produceMs: { type: 'integer', default: 50, min: 0, max: 2000, description: { en: 'time to make one dish', zh: '做一道菜的时间' } },
      consumeMs: { type: 'integer', default: 100, min: 0, max: 2000, description: { en: 'time to eat one dish', zh: '吃一道菜的时间' } },
    },
    queues: { dishes: { order: 'fifo' } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'record', name: 'expected', value: { mul: [{ param: 'producers' }, { param: 'items' }] } },
          { op: 'spawn', actor: 'consumer' },
          { op: 'spawn', actor: 'producer' },
          { op: 'join', actor: 'producer' },
          { op: 'log', message: 'main: producers are done; waiting until every dish is eaten' },
          { op: 'join', queue: 'dishes' },
          { op: 'log', message: 'main: the queue is joined, every dish was eaten; ending' },
        ],
      },
      {
        name: 'producer',
        kind: 'process',
        count: { param: 'producers' },
        autostart: false,
        program: [
          { op: 'let', name: 'i', value: 1 },
          {
            op: 'repeat',
            times: { param: 'items' },
            steps: [
              { op: 'sleep', ms: { param: 'produceMs' } },
              { op: 'let', name: 'dish', value: { concat: [{ self: 'name' }, ' dish ', ref('i')] } },
              { op: 'put', queue: 'dishes', value: ref('dish') },
              { op: 'record', name: 'produced', value: ref('dish') },
              { op: 'let', name: 'i', value: { add: [ref('i'), 1] } },
            ],
          },
        ],
      },
      {
        name: 'consumer',
        kind: 'process',
        count: { param: 'consumers' },
        daemon: true,
        autostart: false,
        program: [
          {
            // Forever, for practical purposes: a daemon consumer is stopped when the program ends.
            op: 'repeat',
            times: 1_000_000_000,
            trace: 'each',
            steps: [
              { op: 'get', queue: 'dishes', into: 'dish' },
              { op: 'sleep', ms: { param: 'consumeMs' } },
              // Recorded before task_done, so its time is certainly before the queue join can return.
              { op: 'record', name: 'consumed', value: ref('dish') },
              { op: 'task_done', queue: 'dishes' },
            ],
          },
        ],
      },
    ],
    claims: [
      {
        id: 'consumed-equals-produced',
        text: { en: 'Every dish produced is consumed exactly once', zh: '生产的每道菜都恰好被消费一次' },
        check: {
          all: [
            { compare: [{ record: 'produced', agg: 'count' }, '==', { record: 'expected' }] },
            { compare: [{ record: 'consumed', agg: 'count' }, '==', { record: 'expected' }] },
            { compare: [{ record: 'consumed', agg: 'distinct' }, '==', { record: 'expected' }] },
          ],
        },
      },
      {
        id: 'join-after-last-task-done',
        text: { en: 'Joining the queue returns only after the last dish was finished', zh: 'join 队列要等最后一道菜处理完才返回' },
        check: {
          before: [
            { event: { op: 'record', name: 'consumed', actor: 'consumer' }, pick: 'last' },
            { event: { op: 'join', ph: 'E', name: 'dishes', actor: 'main' }, pick: 'first' },
          ],
        },
      },
      {
        id: 'consumers-end-with-main',
        text: { en: 'The daemon consumers end with the program, still waiting for more', zh: '守护消费者随程序结束，此时仍在等待新任务' },
        check: {
          all: [
            { compare: [{ actors: 'consumer', field: 'exit', agg: 'distinct' }, '==', { const: 1 }] },
            { compare: [{ actors: 'consumer', field: 'exit', agg: 'first' }, '==', { const: 'daemon-stopped' }] },
          ],
        },
      },
    ],
  },
};
