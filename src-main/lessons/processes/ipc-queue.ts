import type { Lesson } from '../../model/lesson';
import type { AuthoredQuantity, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });
const elapsedSince = (name: string): AuthoredValue => ({ sub: [{ now: 'ms' }, ref(name)] });
const timeout: AuthoredQuantity = { const: { param: 'timeoutMs' } };

export const ipcQueue: Lesson = {
  id: 'ipc-queue',
  chapter: 'processes',
  title: { en: 'A bounded queue between processes', zh: '进程之间的有界队列' },
  text: {
    teaches: {
      en: 'Processes share no memory, so they pass messages. A queue with a maximum size is the classic channel: put() waits while the queue is full, get() waits while it is empty, and both can be told not to wait at all or to wait only so long. A producer process fills a queue of three, then tries a fourth item without waiting (refused: full) and with a timeout (refused after the timeout). A consumer process then empties it in order and tries one more get with a timeout, which comes back empty-handed after that time.',
      zh: '进程之间不共享内存，所以它们传递消息。有最大长度的队列是最经典的通道：队列满时 put() 等待，队列空时 get() 等待，两者都可以指定完全不等，或只等一段时间。生产者进程先把容量为 3 的队列放满，然后不等待地再放第四个（被拒绝：队列已满），再带超时地放一次（超时后被拒绝）。随后消费者进程按顺序把队列取空，再带超时地取一次，等够时间后空手而归。',
    },
    watch: {
      en: 'In the producer lane the first puts are instant, the non-blocking put ends at once with ok=false, and the timed put is a span as long as timeoutMs. In the consumer lane the gets are instant until the queue is empty; the last get is again a span of timeoutMs.',
      zh: '在生产者泳道中，前几次 put 瞬间完成，非阻塞的 put 立即以 ok=false 结束，带超时的 put 是一段与 timeoutMs 等长的区间。在消费者泳道中，队列取空之前的 get 都是瞬间完成的；最后一次 get 同样是一段 timeoutMs 长的区间。',
    },
    pythonVsNode: {
      en: 'Python\'s multiprocessing.Queue is a pipe plus a feeder thread in each process, and a failed put or get raises queue.Full or queue.Empty. Node has no cross-process queue of its own; in the lab the queue lives in the runner, and process actors reach it over their IPC channel, so every put and get is a message round trip of a fraction of a millisecond. A failed put or get here returns false or null into a variable instead of raising.',
      zh: 'Python 的 multiprocessing.Queue 由一条管道加上每个进程里的一个送货线程组成，put 或 get 失败时抛出 queue.Full 或 queue.Empty。Node 没有自带的跨进程队列；实验室里的队列放在运行器中，进程参与者通过各自的 IPC 通道访问它，所以每次 put 和 get 都是一次往返消息，耗时不到一毫秒。这里 put 或 get 失败时不抛异常，而是把 false 或 null 存入变量。',
    },
    tryNext: {
      en: 'Set maxsize=1: the producer\'s second put is already refused. Set timeoutMs=1000: both timed spans grow to a second, and the records timedPutMs and emptyGetMs follow. Make the put blocking without a timeout and the producer would wait forever, since nobody reads yet: the run would end only at its wall-time limit.',
      zh: '设置 maxsize=1：生产者的第二次 put 就会被拒绝。设置 timeoutMs=1000：两段超时区间都变成一秒，记录 timedPutMs 和 emptyGetMs 随之变化。如果把 put 改成不带超时的阻塞调用，由于此时还没人读取，生产者会永远等下去：运行只能在墙钟时间上限处结束。',
    },
  },
  presets: [
    { id: 'maxsize-1', label: { en: 'A queue of one', zh: '容量为 1 的队列' }, params: { maxsize: 1 } },
    { id: 'wait-a-second', label: { en: 'Wait a second', zh: '等待一秒' }, params: { timeoutMs: 1000 } },
  ],
  questions: [
    {
      id: 'put-when-full',
      kind: 'choice',
      text: { en: 'A queue of size 3 is full. What does a put that must not wait do with a fourth item?', zh: '容量为 3 的队列已满。一个不允许等待的 put 放第四个元素时会怎样？' },
      choices: [
        { id: 'refused', text: { en: 'It fails at once (queue full)', zh: '立即失败（队列已满）' }, when: '<0.5' },
        { id: 'accepted', text: { en: 'It is accepted anyway', zh: '照样放进去' }, when: '>=0.5' },
      ],
      answerFrom: { record: 'extraPutOk' },
      why: {
        en: 'A bounded queue never grows past its size: put(block=False) raises queue.Full at once instead of waiting for room.',
        zh: '有界队列不会超过容量：put(block=False) 不等空位，立刻抛出 queue.Full。',
      },
    },
    {
      id: 'timed-put-ms',
      kind: 'number',
      text: { en: 'Then a put with a 300 ms timeout tries again on the full queue. After how many ms does it give up?', zh: '接着，一个超时 300 毫秒的 put 在满队列上再试。它在多少毫秒后放弃？' },
      unit: 'ms',
      min: 0,
      max: 60000,
      answerFrom: { record: 'timedPutMs' },
      tolerance: { relative: 0.3 },
      why: { en: 'It waits for room for as long as it was told, then fails: about the timeout, 300 ms.', zh: '它按给定的时间等空位，到时还没有就失败：大约就是超时时间 300 毫秒。' },
    },
  ],
  spec: {
    version: 1,
    id: 'ipc-queue',
    title: { en: 'Queue(3) across two processes', zh: '两个进程之间的 Queue(3)' },
    params: {
      maxsize: { type: 'integer', default: 3, min: 1, max: 100, description: { en: 'the queue\'s capacity', zh: '队列容量' } },
      timeoutMs: { type: 'integer', default: 300, min: 20, max: 5000, description: { en: 'how long the timed put and get wait', zh: '带超时的 put 和 get 等待多久' } },
    },
    queues: { box: { order: 'fifo', maxsize: { param: 'maxsize' } } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          // One after the other: the producer must meet a full queue that nobody is emptying.
          { op: 'spawn', actor: 'producer' },
          { op: 'join', actor: 'producer' },
          { op: 'spawn', actor: 'consumer' },
          { op: 'join', actor: 'consumer' },
        ],
      },
      {
        name: 'producer',
        kind: 'process',
        autostart: false,
        program: [
          { op: 'let', name: 'i', value: 1 },
          {
            op: 'repeat',
            times: { param: 'maxsize' },
            steps: [
              { op: 'put', queue: 'box', value: ref('i') },
              { op: 'let', name: 'i', value: { add: [ref('i'), 1] } },
            ],
          },
          { op: 'put', queue: 'box', value: 'one too many', blocking: false, into: 'ok' },
          { op: 'record', name: 'extraPutOk', value: ref('ok') },
          { op: 'log', message: 'producer: a put without waiting on a full queue returned {ok}', values: { ok: ref('ok') } },
          { op: 'let', name: 't0', value: { now: 'ms' } },
          { op: 'put', queue: 'box', value: 'still too many', timeoutMs: { param: 'timeoutMs' }, into: 'ok' },
          { op: 'record', name: 'timedPutMs', value: elapsedSince('t0') },
          { op: 'record', name: 'timedPutOk', value: ref('ok') },
        ],
      },
      {
        name: 'consumer',
        kind: 'process',
        autostart: false,
        program: [
          {
            op: 'repeat',
            times: { param: 'maxsize' },
            steps: [
              { op: 'get', queue: 'box', into: 'item' },
              { op: 'record', name: 'got', value: ref('item') },
            ],
          },
          { op: 'let', name: 't0', value: { now: 'ms' } },
          { op: 'get', queue: 'box', timeoutMs: { param: 'timeoutMs' }, into: 'item' },
          { op: 'record', name: 'emptyGetMs', value: elapsedSince('t0') },
          { op: 'record', name: 'emptyGet', value: ref('item') },
          { op: 'log', message: 'consumer: a get on an empty queue gave {item}', values: { item: ref('item') } },
        ],
      },
    ],
    claims: [
      {
        id: 'full-refuses-put',
        text: { en: 'Once the queue is full, a put that does not wait fails at once, and a timed put fails after ≈ the timeout', zh: '队列满后，不等待的 put 立即失败，带超时的 put 约在超时后失败' },
        check: {
          all: [
            { compare: [{ record: 'extraPutOk' }, '==', { const: false }] },
            { compare: [{ record: 'timedPutOk' }, '==', { const: false }] },
            { compare: [{ record: 'timedPutMs' }, '>=', timeout], factor: 0.95 },
            { compare: [{ record: 'timedPutMs' }, '<', timeout], plus: 250 },
          ],
        },
      },
      {
        id: 'fifo-across-processes',
        text: { en: 'The consumer process gets every item, in the order the producer put them', zh: '消费者进程按生产者放入的顺序拿到每一项' },
        check: {
          all: [
            { compare: [{ record: 'got', agg: 'count' }, '==', { const: { param: 'maxsize' } }] },
            { compare: [{ record: 'got', agg: 'first' }, '==', { const: 1 }] },
            { compare: [{ record: 'got', agg: 'last' }, '==', { const: { param: 'maxsize' } }] },
          ],
        },
      },
      {
        id: 'empty-get-times-out',
        text: { en: 'A get with a timeout on an empty queue fails after ≈ the timeout', zh: '在空队列上带超时的 get 约在超时后失败' },
        check: {
          all: [
            { compare: [{ record: 'emptyGet' }, '==', { const: null }] },
            { compare: [{ record: 'emptyGetMs' }, '>=', timeout], factor: 0.95 },
            { compare: [{ record: 'emptyGetMs' }, '<', timeout], plus: 250 },
          ],
        },
      },
    ],
  },
};
