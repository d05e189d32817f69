import type { Lesson } from '../../model/lesson';
import type { AuthoredStep, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });
const gap: AuthoredStep = { op: 'sleep', ms: { param: 'putGapMs' } };

/** Takes three items from a queue and records them as one line, in the order they came out. */
const drain = (queue: string): AuthoredStep[] => [
  { op: 'let', name: 'out', value: '' },
  {
    op: 'repeat',
    times: 3,
    steps: [
      { op: 'get', queue, into: 'item' },
      { op: 'let', name: 'out', value: { concat: [ref('out'), ref('item'), ' '] } },
    ],
  },
  { op: 'record', name: `${queue}Out`, value: ref('out') },
  { op: 'log', message: `${queue}: {out}`, values: { out: ref('out') } },
];

export const queueOrders: Lesson = {
  id: 'queue-orders',
  chapter: 'threads',
  title: { en: 'Three queue orders: FIFO, LIFO, priority', zh: '三种队列顺序：先进先出、后进先出、优先级' },
  text: {
    teaches: {
      en: 'A queue decides which item leaves next. A FIFO queue hands items out in the order they came in, like a line at a counter. A LIFO queue hands out the newest first, like a stack of plates. A priority queue hands out the smallest priority first, whatever the arrival order. A producer thread puts 1, 2, 3 into the first two and (10, a), (12, b), (8, c) into the third; main then takes everything out.',
      zh: '队列决定下一个离开的是哪一项。先进先出（FIFO）队列按进入顺序交出，就像柜台前排队。后进先出（LIFO）队列先交出最新的，就像一摞盘子。优先级队列不管到达顺序，先交出优先级数值最小的。生产者线程向前两个队列放入 1、2、3，向第三个放入 (10, a)、(12, b)、(8, c)；然后主程序把所有项取出。',
    },
    watch: {
      en: 'The producer lane puts nine items; the main lane joins it, then gets three from each queue. The records show each queue\'s output as one line: 1 2 3, then 3 2 1, then the pairs sorted by their first number.',
      zh: '生产者泳道放入九项；主泳道 join 它之后，从每个队列取出三项。记录把每个队列的输出显示为一行：1 2 3，然后 3 2 1，然后是按第一个数字排序的数对。',
    },
    pythonVsNode: {
      en: 'Python\'s queue.Queue, LifoQueue and PriorityQueue are thread-safe queues inside one interpreter; a PriorityQueue compares whole items, so a tuple\'s first element is its priority. Node has no thread-safe queue built in: worker threads exchange copies of messages. The lab\'s queues live in the runner and every actor kind reaches them the same way; the priority is given next to the item.',
      zh: 'Python 的 queue.Queue、LifoQueue 和 PriorityQueue 是同一解释器内的线程安全队列；PriorityQueue 比较整个元素，所以元组的第一个元素就是优先级。Node 没有内置的线程安全队列：worker 线程之间交换的是消息的副本。实验室的队列放在运行器中，所有类型的参与者都以同样的方式访问；优先级与元素一起给出。',
    },
    tryNext: {
      en: 'Set putGapMs=200: the producer now takes its time, yet the outputs do not change, because main only starts taking items once everything is in. The order comes from the queue, not from timing.',
      zh: '设置 putGapMs=200：生产者放得慢了，但输出不变，因为主程序要等所有项都放进去之后才开始取。顺序由队列决定，而不是由时机决定。',
    },
  },
  presets: [
    { id: 'slow-producer', label: { en: 'A slow producer', zh: '生产者放慢' }, params: { putGapMs: 200 } },
  ],
  questions: [
    {
      id: 'lifo',
      kind: 'choice',
      text: { en: 'A producer puts 1, 2, 3 into a LIFO queue. In what order do they come out?', zh: '生产者把 1、2、3 放进 LIFO 队列。取出的顺序是什么？' },
      choices: [{ id: 'reverse', text: { en: '3, 2, 1', zh: '3、2、1' }, is: '3 2 1 ' }, { id: 'same', text: { en: '1, 2, 3', zh: '1、2、3' }, is: '1 2 3 ' }],
      answerFrom: { record: 'lifoOut' },
      why: { en: 'LIFO is a stack: the last item in is the first out.', zh: 'LIFO 就是栈：最后放进去的最先出来。' },
    },
    {
      id: 'priority',
      kind: 'choice',
      text: { en: 'Into a priority queue go (10, a), (12, b), (8, c). In what order do they come out?', zh: '优先队列里依次放入 (10, a)、(12, b)、(8, c)。取出的顺序是什么？' },
      choices: [
        { id: 'smallest-first', text: { en: '(8, c), (10, a), (12, b)', zh: '(8, c)、(10, a)、(12, b)' }, is: '(8, c) (10, a) (12, b) ' },
        { id: 'arrival', text: { en: '(10, a), (12, b), (8, c)', zh: '(10, a)、(12, b)、(8, c)' }, is: '(10, a) (12, b) (8, c) ' },
        { id: 'largest-first', text: { en: '(12, b), (10, a), (8, c)', zh: '(12, b)、(10, a)、(8, c)' }, is: '(12, b) (10, a) (8, c) ' },
      ],
      answerFrom: { record: 'priorityOut' },
      why: { en: 'A priority queue hands out the smallest priority first, whatever the arrival order.', zh: '优先队列总是先给出优先级数值最小的，不管到达顺序。' },
    },
  ],
  spec: {
    version: 1,
    id: 'queue-orders',
    title: { en: 'FIFO, LIFO and priority', zh: 'FIFO、LIFO 与优先级' },
    params: {
      putGapMs: { type: 'integer', default: 0, min: 0, max: 1000, description: { en: 'pause between two puts', zh: '两次 put 之间的停顿' } },
    },
    queues: {
      fifo: { order: 'fifo', maxsize: 3 },
      lifo: { order: 'lifo', maxsize: 3 },
      priority: { order: 'priority', maxsize: 3 },
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [{ op: 'spawn', actor: 'producer' }, { op: 'join', actor: 'producer' }, ...drain('fifo'), ...drain('lifo'), ...drain('priority')],
      },
      {
        name: 'producer',
        kind: 'thread',
        autostart: false,
        program: [
          ...[1, 2, 3].flatMap((n): AuthoredStep[] => [{ op: 'put', queue: 'fifo', value: n }, gap]),
          ...[1, 2, 3].flatMap((n): AuthoredStep[] => [{ op: 'put', queue: 'lifo', value: n }, gap]),
          ...([
            [10, 'a'],
            [12, 'b'],
            [8, 'c'],
          ] as const).flatMap(([priority, label]): AuthoredStep[] => [{ op: 'put', queue: 'priority', value: `(${priority}, ${label})`, priority }, gap]),
        ],
      },
    ],
    claims: [
      {
        id: 'fifo-order',
        text: { en: 'FIFO: 1, 2, 3 come out as they went in', zh: 'FIFO：1、2、3 按放入顺序出来' },
        check: { compare: [{ record: 'fifoOut' }, '==', { const: '1 2 3 ' }] },
      },
      {
        id: 'lifo-order',
        text: { en: 'LIFO: the last in comes out first, 3, 2, 1', zh: 'LIFO：最后放入的最先出来，3、2、1' },
        check: { compare: [{ record: 'lifoOut' }, '==', { const: '3 2 1 ' }] },
      },
      {
        id: 'priority-order',
        text: { en: 'Priority: the smallest priority first, 8, 10, 12', zh: '优先级：数值最小的先出来，8、10、12' },
        check: { compare: [{ record: 'priorityOut' }, '==', { const: '(8, c) (10, a) (12, b) ' }] },
      },
    ],
  },
};
