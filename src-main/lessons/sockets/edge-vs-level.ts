import type { Lesson } from '../../model/lesson';
import type { AuthoredStep } from '../../model/spec-schema';
import { recordFields } from '../spec-parts';

const drain = (mode: 'level' | 'edge', chunk: Extract<AuthoredStep, { op: 'epoll_drain' }>['chunk'], prefix: string): AuthoredStep[] => [
  { op: 'mark', name: prefix },
  { op: 'epoll_drain', mode, bytes: { param: 'bytes' }, chunk, into: prefix },
  ...recordFields(prefix, ['wakeups', 'readBytes', 'stalled']),
];

export const edgeVsLevel: Lesson = {
  id: 'edge-vs-level',
  chapter: 'sockets',
  title: { en: 'epoll: level-triggered or edge-triggered', zh: 'epoll：水平触发还是边缘触发' },
  text: {
    teaches: {
      zh: 'epoll 有两种通知方式。水平触发（默认）：只要套接字里还有没读完的数据，每次 epoll.poll() 都会报告它可读。边缘触发（EPOLLET）：只在状态变化时报告一次——新数据到达的那一刻；之后即使缓冲区里还有数据，也不会再报告，直到又有新数据到来。所以边缘触发的读者每次被唤醒都必须把数据读干净（非阻塞地读到 BlockingIOError 为止），只读一部分的读者会卡住：剩下的数据躺在缓冲区里，却再也等不到通知。',
      en: 'epoll notifies in two ways. Level-triggered (the default): as long as a socket has unread data, every epoll.poll() reports it readable. Edge-triggered (EPOLLET): it reports once, when the state changes, the moment new data arrives; after that, even with data left in the buffer, nothing more is reported until more data comes. So an edge-triggered reader must drain the socket on every wake-up (read without blocking until BlockingIOError), and a reader that reads only part of it stalls: the rest lies in the buffer and no notice ever comes.',
    },
    watch: {
      zh: '每次探测把 bytes 字节一次写进一对套接字，读者每次被 epoll 唤醒只读 chunk 字节。levelWakeups：水平触发下唤醒次数约为 bytes / chunk，数据全部读完（levelReadBytes 等于 bytes）。edgeWakeups：边缘触发下只唤醒一次，读了 chunk 字节后再等 200 毫秒也没有通知，edgeStalled 为 true。drainedEdge：边缘触发、但每次唤醒读够 bytes 字节的读者，一次就读完，不会卡住。',
      en: 'Each probe writes bytes bytes into a socket pair at once, and the reader reads chunk bytes per epoll wake-up. levelWakeups: level-triggered, about bytes / chunk wake-ups, and everything is read (levelReadBytes equals bytes). edgeWakeups: edge-triggered, a single wake-up; after reading chunk bytes no notice comes for 200 ms, and edgeStalled is true. drainedEdge: edge-triggered too, but a reader that reads bytes bytes per wake-up finishes at the first one and never stalls.',
    },
    pythonVsNode: {
      zh: '这一课只在 CPython 上运行：epoll_drain 探测是 CPython 独有的步骤，Node 引擎在开始之前就会拒绝。Node 的 libuv 在 Linux 上使用 epoll，但它替程序把数据读干净，再以 data 事件交给程序，程序看不到触发方式的区别。',
      en: 'This lesson runs on CPython only: the epoll_drain probe is a CPython step, and the Node engine refuses it before anything starts. Node\'s libuv uses epoll on Linux, but it drains the socket for the program and hands it data events, so a Node program never sees the difference between the two modes.',
    },
    tryNext: {
      zh: '设置 chunk=4096（等于 bytes）：边缘触发的读者一次读完，也不会卡住。设置 chunk=1：水平触发要唤醒 4096 次，每次只读一个字节——能读完，但代价很高。',
      en: 'Set chunk=4096 (equal to bytes): the edge-triggered reader reads everything at once and does not stall. Set chunk=1: level-triggered needs 4,096 wake-ups, one byte each: it finishes, at a high cost.',
    },
  },
  presets: [
    { id: 'one-chunk', label: { en: 'Read everything at once', zh: '一次读完' }, params: { chunk: 4096 } },
    { id: 'byte-by-byte', label: { en: 'One byte at a time', zh: '一次一个字节' }, params: { chunk: 1 } },
  ],
  questions: [
    {
      id: 'edge-partial',
      kind: 'choice',
      text: { en: 'Edge-triggered, a reader reads only part of the data on each wake-up. What happens?', zh: '边缘触发时，读取方每次醒来只读一部分数据。会怎样？' },
      choices: [
        { id: 'stalls', text: { en: 'It stalls with data left unread', zh: '卡住了，数据还没读完' }, when: '>=0.5' },
        { id: 'reads-all', text: { en: 'It is woken again and reads it all', zh: '会再被唤醒，把数据读完' }, when: '<0.5' },
      ],
      answerFrom: { record: 'edgeStalled' },
      why: {
        en: 'Edge-triggered epoll reports once, when new data arrives; data left in the buffer is not reported again until more comes. Drain the socket on every wake-up.',
        zh: '边缘触发的 epoll 只在新数据到达时报告一次；留在缓冲区里的数据不会再被报告，除非又来了新数据。所以每次醒来都要把套接字读空。',
      },
    },
    {
      id: 'edge-wakeups',
      kind: 'number',
      text: { en: 'How many times is that edge-triggered reader woken?', zh: '这个边缘触发的读取方被唤醒了几次？' },
      min: 0,
      max: 100000,
      answerFrom: { record: 'edgeWakeups' },
      tolerance: { absolute: 0 },
      why: { en: 'Once: the data arrived in one go, so there was one edge.', zh: '一次：数据是一次性到达的，所以只有一个“边沿”。' },
    },
  ],
  spec: {
    version: 1,
    id: 'edge-vs-level',
    title: { en: 'A reader that reads part of the data per wake-up, level- and edge-triggered', zh: '每次唤醒只读一部分数据的读者：水平触发与边缘触发' },
    params: {
      bytes: { type: 'integer', default: 4_096, min: 2, max: 65_536, description: { en: 'bytes written at once', zh: '一次写入的字节数' } },
      chunk: { type: 'integer', default: 1_024, min: 1, max: 65_536, description: { en: 'bytes the reader reads per wake-up', zh: '读者每次唤醒读取的字节数' } },
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [...drain('level', { param: 'chunk' }, 'level'), ...drain('edge', { param: 'chunk' }, 'edge'), ...drain('edge', { param: 'bytes' }, 'drainedEdge')],
      },
    ],
    claims: [
      {
        id: 'level-reads-all',
        text: { en: 'Level-triggered, a reader that reads part of the data per wake-up is woken again and reads it all', zh: '水平触发下，每次只读一部分的读者会被再次唤醒，最终读完全部数据' },
        requires: { platform: 'linux' },
        check: { all: [{ compare: [{ record: 'levelStalled' }, '==', { const: false }] }, { compare: [{ record: 'levelReadBytes' }, '==', { const: { param: 'bytes' } }] }] },
      },
      {
        id: 'edge-partial-stalls',
        text: { en: 'Edge-triggered, a reader that reads only part of the data stalls after one wake-up, data left unread', zh: '边缘触发下，只读一部分的读者在一次唤醒后就卡住，数据没有读完' },
        requires: { platform: 'linux' },
        when: { compare: [{ param: 'chunk' }, '<', { param: 'bytes' }] },
        check: {
          all: [
            { compare: [{ record: 'edgeStalled' }, '==', { const: true }] },
            { compare: [{ record: 'edgeWakeups' }, '==', { const: 1 }] },
            { compare: [{ record: 'edgeReadBytes' }, '<', { const: { param: 'bytes' } }] },
          ],
        },
      },
      {
        id: 'edge-drained-ok',
        text: { en: 'Edge-triggered, a reader that drains the socket on its wake-up does not stall', zh: '边缘触发下，每次唤醒都把数据读干净的读者不会卡住' },
        requires: { platform: 'linux' },
        check: { all: [{ compare: [{ record: 'drainedEdgeStalled' }, '==', { const: false }] }, { compare: [{ record: 'drainedEdgeReadBytes' }, '==', { const: { param: 'bytes' } }] }] },
      },
    ],
  },
};
