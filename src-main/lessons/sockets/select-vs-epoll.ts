import type { Lesson } from '../../model/lesson';
import type { AuthoredActor, AuthoredQuantity, AuthoredStep, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });

const SERVERS = [
  { key: 'scan', model: 'scanning' },
  { key: 'loop', model: 'event-loop' },
] as const;

/** Measurements of each configuration: the claims take the lowest, which a passing burst of other work cannot raise. */
const ROUNDS = 3;

/** One client measures the server's answer time (median of a few hundred echoes), ROUNDS times, into `name`. */
const measure = (server: string, name: string): AuthoredStep[] => [
  {
    op: 'repeat',
    times: ROUNDS,
    steps: [
      { op: 'load', server, connections: 1, requests: { param: 'requests' }, messageBytes: 16, into: 'report' },
      { op: 'record', name, value: { at: [ref('report'), 'p50Ms'] } },
      { op: 'record', name: `${name}Answered`, value: { at: [ref('report'), 'answered'] } },
      { op: 'if', cond: { compare: [{ at: [ref('report'), 'error'] }, '!=', null] }, then: [{ op: 'record', name: 'loadError', value: { at: [ref('report'), 'error'] } }] },
    ],
  },
];

/** The lowest of a configuration's measurements. */
const lowest = (name: string): AuthoredQuantity => ({ record: name, agg: 'min' });

/** For one server: measure with no idle connections, then with `idle` connections open and silent. */
const phase = (key: string): AuthoredStep[] => [
  ...measure(key, `${key}FewMs`),
  { op: 'spawn', actor: `${key}Idle` },
  { op: 'wait', prim: `${key}Held` },
  ...measure(key, `${key}ManyMs`),
  { op: 'set', prim: `${key}Release` },
  { op: 'join', actor: `${key}Idle` },
];

/** Opens `idle` connections and leaves them silent until told to let go (they close when the task ends). */
const holder = (key: string): AuthoredStep[] => [
  { op: 'repeat', times: { param: 'idle' }, trace: 'summary', steps: [{ op: 'connect', server: key, into: 'c' }] },
  { op: 'set', prim: `${key}Held` },
  { op: 'wait', prim: `${key}Release` },
];

export const selectVsEpoll: Lesson = {
  id: 'select-vs-epoll',
  chapter: 'sockets',
  title: { en: 'select scans every socket, epoll reports the ready ones', zh: 'select 扫描每个套接字，epoll 只报告就绪的' },
  text: {
    teaches: {
      en: 'select() and poll() are handed the whole list of sockets on every call, and the kernel and the program both walk that list to find the few that are ready. The more connections are open, the longer each turn takes, even if nearly all of them are idle. epoll keeps the list inside the kernel and returns only the sockets that have something to do, so the cost of a turn follows the activity, not the number of connections. Here one active client measures the answer time of each kind of server, first alone, then with a thousand idle connections open beside it.',
      zh: 'select() 和 poll() 每次调用都要传入全部套接字，内核和程序都要遍历整个列表，才能找出少数就绪的套接字。打开的连接越多，每一轮就越久，即使其中几乎全都空闲。epoll 把列表保存在内核里，只返回有事可做的套接字，所以每一轮的开销取决于活动量，而不是连接数。这里一个活跃客户端测量两种服务器的应答时间：先是单独测量，再在旁边打开一千条空闲连接后测量。',
    },
    watch: {
      en: 'Compare the recorded medians (three of each, the claims use the lowest): scanFewMs and scanManyMs for the scanning server, loopFewMs and loopManyMs for the event loop. Without idle connections both answer in a fraction of a millisecond; with them the scanning server\'s time grows with the number of sockets it visits on every turn, while the event loop\'s does not move.',
      zh: '比较记录的中位数（每种各测三次，判断时取最小值）：扫描服务器的 scanFewMs 和 scanManyMs，事件循环的 loopFewMs 和 loopManyMs。没有空闲连接时两者都在一毫秒以内应答；有了空闲连接，扫描服务器的时间随每一轮要检查的套接字数量增长，事件循环的则不变。',
    },
    pythonVsNode: {
      en: 'Python exposes select.select, select.poll and select.epoll directly (and selectors picks the best). Node gives no choice: libuv always uses epoll on Linux (kqueue on macOS, IOCP on Windows). The lab\'s "scanning" server therefore imitates select: on every turn it makes one system call on every socket (as select makes the kernel visit every descriptor it is given) and then tries to read from it. That call costs about 0.5 µs here, a few times select\'s own cost per descriptor (about 0.1 µs in CPython on the same machine), so the growth has select\'s shape and is somewhat steeper.',
      zh: 'Python 直接提供 select.select、select.poll 和 select.epoll（selectors 会挑选最好的那个）。Node 不给选择：libuv 在 Linux 上总是使用 epoll（macOS 上是 kqueue，Windows 上是 IOCP）。因此实验室的“scanning”服务器模仿 select：每一轮都对每个套接字做一次系统调用（就像 select 让内核逐个检查传入的描述符），再尝试读取它。这次调用在这里约需 0.5 微秒，是 select 每个描述符开销的几倍（同一台机器上 CPython 约 0.1 微秒），所以增长的形状与 select 相同，只是更陡一些。',
    },
    tryNext: {
      en: 'Set idle=100: the scanning server\'s growth is still visible but small. Set idle=3000 (it takes a few seconds to open them): the scanning median rises about threefold again, the event loop\'s stays where it was.',
      zh: '设置 idle=100：扫描服务器的增长仍可见，但很小。设置 idle=3000（打开这些连接需要几秒钟）：扫描服务器的中位数再涨约三倍，事件循环的保持不变。',
    },
  },
  results: {
    kind: 'bars',
    title: { en: 'One request, with few and with many idle connections', zh: '一次请求的耗时：空闲连接少时与多时' },
    rowHeader: { en: 'server', zh: '服务器' },
    columns: [
      { id: 'few', label: { en: 'few idle connections (fastest)', zh: '空闲连接少（最快一次）' }, unit: 'ms' },
      { id: 'many', label: { en: 'many idle connections (fastest)', zh: '空闲连接多（最快一次）' }, unit: 'ms' },
    ],
    rows: [
      { label: { en: 'scanning every socket (select)', zh: '逐个扫描套接字（select）' }, cells: [{ record: 'scanFewMs', agg: 'min' }, { record: 'scanManyMs', agg: 'min' }] },
      { label: { en: 'ready list (epoll)', zh: '就绪列表（epoll）' }, cells: [{ record: 'loopFewMs', agg: 'min' }, { record: 'loopManyMs', agg: 'min' }] },
    ],
    ratios: [
      { label: { en: 'scanning: many ÷ few', zh: '扫描：多 ÷ 少' }, of: { record: 'scanManyMs', agg: 'min' }, over: { record: 'scanFewMs', agg: 'min' } },
      { label: { en: 'ready list: many ÷ few', zh: '就绪列表：多 ÷ 少' }, of: { record: 'loopManyMs', agg: 'min' }, over: { record: 'loopFewMs', agg: 'min' } },
    ],
  },
  presets: [
    { id: 'hundred-idle', label: { en: '100 idle connections', zh: '100 条空闲连接' }, params: { idle: 100 } },
    { id: 'three-thousand-idle', label: { en: '3000 idle connections', zh: '3000 条空闲连接' }, params: { idle: 3000 } },
  ],
  questions: [
    {
      id: 'scan-grows',
      kind: 'choice',
      text: {
        en: 'With 1,000 idle connections open, does the select/poll-style server answer at least twice as slowly as without them?',
        zh: '打开 1000 个空闲连接后，select/poll 式的服务器回答速度会慢到至少一半吗？',
      },
      choices: [{ id: 'yes', text: { en: 'Yes, at least 2× slower', zh: '会，至少慢一倍' }, when: '>=2' }, { id: 'no', text: { en: 'No, about the same', zh: '不会，差不多' }, when: '<2' }],
      answerFrom: { ratio: [{ record: 'scanManyMs', agg: 'min' }, { record: 'scanFewMs', agg: 'min' }] },
      why: {
        en: 'select and poll are handed the whole list every turn, and both the kernel and the program walk it: the cost grows with the open connections, idle or not.',
        zh: 'select 和 poll 每一轮都拿到整张列表，内核和程序都要把它走一遍：开销随打开的连接数增长，不管它们是否空闲。',
      },
    },
    {
      id: 'epoll-flat',
      kind: 'choice',
      text: { en: 'And the epoll server with the same idle connections?', zh: '同样多的空闲连接下，epoll 服务器呢？' },
      choices: [
        { id: 'flat', text: { en: 'About the same as without them', zh: '和没有它们时差不多' }, when: '<=2' },
        { id: 'slower', text: { en: 'More than 2× slower', zh: '慢一倍以上' }, when: '>2' },
      ],
      answerFrom: { ratio: [{ record: 'loopManyMs', agg: 'min' }, { record: 'loopFewMs', agg: 'min' }] },
      why: {
        en: 'epoll keeps the list in the kernel and returns only the ready sockets: the cost follows the activity, not the number of connections.',
        zh: 'epoll 把列表放在内核里，只返回就绪的套接字：开销取决于活动量，而不是连接数。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'select-vs-epoll',
    title: { en: 'Answer time as idle connections grow', zh: '空闲连接增多时的应答时间' },
    params: {
      idle: { type: 'integer', default: 1000, min: 1, max: 20000, description: { en: 'idle connections opened beside the measuring client', zh: '在测量客户端旁边打开的空闲连接数' } },
      requests: { type: 'integer', default: 400, min: 50, max: 100000, description: { en: 'echoes per measurement', zh: '每次测量的回显次数' } },
    },
    primitives: Object.fromEntries(
      SERVERS.flatMap(({ key }) => [
        [`${key}Held`, { type: 'event' }],
        [`${key}Release`, { type: 'event' }],
      ]),
    ),
    servers: Object.fromEntries(SERVERS.map(({ key, model }) => [key, { protocol: 'tcp', model, handler: { kind: 'echo' } }])),
    actors: [
      { name: 'main', kind: 'main', program: SERVERS.flatMap(({ key }) => phase(key)) },
      ...SERVERS.map(({ key }): AuthoredActor => ({ name: `${key}Idle`, kind: 'task', autostart: false, program: holder(key) })),
    ],
    claims: [
      {
        id: 'idle-held',
        text: { en: 'Both servers held all the idle connections open at once', zh: '两个服务器都同时保持着所有空闲连接' },
        check: {
          all: SERVERS.map(({ key }) => ({ compare: [{ metric: `server.${key}.maxConcurrentConnections` }, '>=', { const: { param: 'idle' } }] })),
        },
      },
      {
        id: 'scanning-grows',
        text: {
          en: 'The scanning server answers at least twice as slowly with the idle connections open as without them, and at least twice as slowly as the event loop with the same idle connections',
          zh: '打开空闲连接后，扫描服务器的应答时间至少是没有空闲连接时的两倍，也至少是同样空闲连接下事件循环的两倍',
        },
        when: { compare: [{ param: 'idle' }, '>=', 500] },
        // Decidable only on a steady machine: the two baselines (no idle connections) agree, and the
        // event loop's two measurements agree. Otherwise scheduling noise is as large as the effect.
        given: {
          all: [
            { compare: [lowest('scanFewMs'), '<=', lowest('loopFewMs')], factor: 1.5, plus: 0.01 },
            { compare: [lowest('loopManyMs'), '<=', lowest('loopFewMs')], factor: 1.5, plus: 0.02 },
          ],
        },
        check: {
          all: [
            { compare: [lowest('scanManyMs'), '>=', lowest('scanFewMs')], factor: 2 },
            { compare: [lowest('scanManyMs'), '>=', lowest('loopManyMs')], factor: 2 },
          ],
        },
      },
      {
        id: 'event-loop-flat',
        text: {
          en: 'The event loop\'s answer time stays flat: with the idle connections it is at most twice what it was without them, plus 0.05 ms',
          zh: '事件循环的应答时间保持平稳：有空闲连接时，最多是没有时的两倍再加 0.05 毫秒',
        },
        // Decidable only when the two baselines agree: otherwise the machine was too noisy to tell.
        given: { compare: [lowest('scanFewMs'), '<=', lowest('loopFewMs')], factor: 1.5, plus: 0.01 },
        check: { compare: [lowest('loopManyMs'), '<=', lowest('loopFewMs')], factor: 2, plus: 0.05 },
      },
    ],
  },
};
