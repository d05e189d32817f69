import type { Lesson } from '../../model/lesson';
import type { AuthoredStep, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });

/** A buyer: read the file database, and if a ticket is left, pause (a slow payment), then write it back. */
const buy = (phase: string): AuthoredStep[] => [
  { op: 'wait', prim: `${phase}Start` }, // all buyers leave the barrier together
  ...(phase === 'locked' ? ([{ op: 'acquire', prim: 'fileLock' }] satisfies AuthoredStep[]) : []),
  { op: 'file_read', path: 'tickets.json', into: 'raw' },
  { op: 'let', name: 'left', value: { at: [{ json: ref('raw') }, 'count'] } },
  {
    op: 'if',
    cond: { compare: [ref('left'), '>', 0] },
    then: [
      { op: 'block', ms: { param: 'payMs' } },
      { op: 'file_write', path: 'tickets.json', text: { concat: ['{"count": ', { sub: [ref('left'), 1] }, '}'] } },
      { op: 'record', name: `${phase}Sold`, value: { self: 'name' } },
      { op: 'log', message: '{me} bought a ticket', values: { me: { self: 'name' } } },
    ],
    else: [{ op: 'log', message: '{me}: sold out', values: { me: { self: 'name' } } }],
  },
  ...(phase === 'locked' ? ([{ op: 'release', prim: 'fileLock' }] satisfies AuthoredStep[]) : []),
];

const readCount = (into: string): AuthoredStep[] => [
  { op: 'file_read', path: 'tickets.json', into: 'raw' },
  { op: 'record', name: into, value: { at: [{ json: ref('raw') }, 'count'] } },
];

export const ticketRace: Lesson = {
  id: 'ticket-race',
  chapter: 'processes',
  title: { en: 'Ten buyers, one ticket: a file database without a lock', zh: '十个买家，一张票：没有锁的文件数据库' },
  text: {
    teaches: {
      en: 'Ten processes each check a JSON file for tickets left and, if there is one, take it: read, pause while paying, write back one less. Without a lock they all read "1 left" before anyone writes, so every one of them believes it bought the single ticket. A lock that all processes share (the runner brokers it between processes) turns the read-pay-write into a queue: exactly one buyer succeeds and the count never goes below zero.',
      zh: '十个进程各自检查一个 JSON 文件里的余票，有票就买：读取，付款时停顿，再写回少一张。没有锁时，它们在任何人写入之前都读到“剩 1 张”，于是每个进程都以为自己买到了那唯一的一张票。一把所有进程共享的锁（由运行器在进程之间代理）把“读-付款-写”排成了队：恰好一个买家成功，余票从不低于零。',
    },
    watch: {
      en: 'In the unlocked phase all ten lanes read at the same moment (they leave a barrier together) and all ten write. In the locked phase the lanes wait for the lock one after another; only the first finds a ticket.',
      zh: '无锁阶段，十条泳道同时读取（它们一起通过一道屏障），十条都写入。加锁阶段，泳道依次等待锁；只有第一个找到了票。',
    },
    pythonVsNode: {
      en: 'Python\'s multiprocessing.Lock is an operating-system semaphore shared by the processes. Node has no lock that spans processes, so the lab\'s runner acts as the broker: each acquire and release is a message to the runner, which keeps the lock. The race itself is the same: files do not protect read-modify-write.',
      zh: 'Python 的 multiprocessing.Lock 是进程间共享的操作系统信号量。Node 没有跨进程的锁，所以实验室的运行器充当代理：每次 acquire 和 release 都是发给运行器的消息，由运行器保管这把锁。竞争本身是一样的：文件并不保护“读-改-写”。',
    },
    tryNext: {
      en: 'Set payMs=0: the window shrinks to the time of one read, yet with all buyers released together several still oversell. Set tickets=3: without the lock more buyers succeed than there are tickets; with it exactly three do.',
      zh: '设置 payMs=0：窗口缩到一次读取的时间，但买家一起出发时仍会有多人超卖。设置 tickets=3：无锁时成功的买家多于票数；加锁时恰好三人成功。',
    },
  },
  results: {
    kind: 'table',
    title: { en: 'Tickets sold, with and without a lock', zh: '售出的票数：加锁与不加锁' },
    rowHeader: { en: 'phase', zh: '阶段' },
    columns: [
      { id: 'sold', label: { en: 'tickets sold', zh: '售出的票' } },
      { id: 'left', label: { en: 'tickets left', zh: '剩余的票' } },
    ],
    rows: [
      { label: { en: 'no lock', zh: '不加锁' }, cells: [{ record: 'unlockedSold', agg: 'count' }, { record: 'unlockedLeft' }] },
      { label: { en: 'with a lock', zh: '加锁' }, cells: [{ record: 'lockedSold', agg: 'count' }, { record: 'lockedLeft' }] },
    ],
  },
  presets: [
    { id: 'no-pay-pause', label: { en: 'No pause to pay', zh: '付款不停顿' }, params: { payMs: 0 } },
    { id: 'three-tickets', label: { en: 'Three tickets', zh: '三张票' }, params: { tickets: 3 } },
  ],
  questions: [
    {
      id: 'sold-unlocked',
      kind: 'number',
      text: { en: 'Ten buyers, one ticket, no lock. How many buyers will believe they bought it?', zh: '十个买家，一张票，不加锁。会有几个买家以为自己买到了？' },
      min: 0,
      max: 1000,
      answerFrom: { record: 'unlockedSold', agg: 'count' },
      tolerance: { absolute: 2 },
      why: {
        en: 'Each buyer reads "1 left", pauses to pay, then writes back. Without a lock they all read before anyone writes, so nearly every one of them "buys" the single ticket.',
        zh: '每个买家先读到“还剩 1 张”，付款时停一下，再写回。不加锁时，大家都在别人写回之前读，所以几乎每个人都“买到”了那唯一的一张票。',
      },
    },
    {
      id: 'sold-locked',
      kind: 'number',
      text: { en: 'With a lock shared by the processes, how many buyers succeed?', zh: '加上进程间共享的锁后，有几个买家成功？' },
      min: 0,
      max: 1000,
      answerFrom: { record: 'lockedSold', agg: 'count' },
      tolerance: { absolute: 0 },
      why: {
        en: 'The lock turns read-pay-write into a queue: the first buyer takes the ticket, every later one reads "0 left".',
        zh: '锁把“读-付款-写”变成排队：第一个买家拿走票，之后的每个人读到的都是“还剩 0 张”。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'ticket-race',
    title: { en: 'Overselling the last ticket', zh: '超卖最后一张票' },
    params: {
      buyers: { type: 'integer', default: 10, min: 2, max: 30 },
      tickets: { type: 'integer', default: 1, min: 1, max: 10 },
      payMs: { type: 'integer', default: 100, min: 0, max: 2000, description: { en: 'pause between reading and writing the file', zh: '读文件与写文件之间的停顿' } },
    },
    primitives: {
      unlockedStart: { type: 'barrier', parties: { param: 'buyers' } },
      lockedStart: { type: 'barrier', parties: { param: 'buyers' } },
      fileLock: { type: 'mutex' },
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'file_write', path: 'tickets.json', text: { concat: ['{"count": ', { param: 'tickets' }, '}'] } },
          { op: 'spawn', actor: 'unlocked' },
          { op: 'join', actor: 'unlocked' },
          ...readCount('unlockedLeft'),
          { op: 'file_write', path: 'tickets.json', text: { concat: ['{"count": ', { param: 'tickets' }, '}'] } },
          { op: 'spawn', actor: 'locked' },
          { op: 'join', actor: 'locked' },
          ...readCount('lockedLeft'),
        ],
      },
      { name: 'unlocked', kind: 'process', count: { param: 'buyers' }, autostart: false, program: buy('unlocked') },
      { name: 'locked', kind: 'process', count: { param: 'buyers' }, autostart: false, program: buy('locked') },
    ],
    claims: [
      {
        id: 'oversold',
        text: { en: 'Without a lock, more buyers succeed than there are tickets', zh: '不加锁时，成功的买家多于票数' },
        check: { compare: [{ record: 'unlockedSold', agg: 'count' }, '>', { const: { param: 'tickets' } }] },
      },
      {
        id: 'locked-exact',
        text: { en: 'With a lock shared by the processes, exactly as many buyers as tickets succeed, and none is left below zero', zh: '使用进程共享的锁时，成功的买家恰好等于票数，余票不低于零' },
        check: {
          all: [
            { compare: [{ record: 'lockedSold', agg: 'count' }, '==', { const: { param: 'tickets' } }] },
            { compare: [{ record: 'lockedLeft' }, '==', { const: 0 }] },
          ],
        },
      },
    ],
  },
};
