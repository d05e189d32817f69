import type { Lesson } from '../../model/lesson';
import type { AuthoredStep } from '../../model/spec-schema';
import { recordFields } from '../spec-parts';

/** One probe, and its fields recorded under a prefix. */
const probe = (api: Extract<AuthoredStep, { op: 'fd_select' }>['api'], idle: Extract<AuthoredStep, { op: 'fd_select' }>['idle'], prefix: string, keys: readonly string[]): AuthoredStep[] => [
  { op: 'mark', name: prefix },
  { op: 'fd_select', api, idle, into: prefix },
  ...recordFields(prefix, keys),
];

export const selectLimit: Lesson = {
  id: 'select-limit',
  chapter: 'sockets',
  title: { en: 'select() stops at descriptor 1,023; poll and epoll do not', zh: 'select() 止步于描述符 1023，poll 和 epoll 不会' },
  text: {
    teaches: {
      zh: 'select 用一个固定大小的位图（FD_SETSIZE，通常 1024 位）描述要监视的描述符，所以它只能监视编号 0 到 1023 的描述符。CPython 的 select.select 在调用前会检查，遇到 1024 及以上的描述符就抛出真实的 ValueError（“filedescriptor out of range in select()”）。一个进程打开的文件和套接字一多，新描述符的编号就会超过 1023——哪怕只想监视其中一个。poll 传的是描述符数组，epoll 在内核里登记感兴趣的描述符，两者都没有这个上限。',
      en: 'select describes the descriptors to watch with a fixed-size bitmap (FD_SETSIZE, usually 1,024 bits), so it can watch descriptors numbered 0 to 1,023 only. CPython\'s select.select checks before the call and raises a real ValueError ("filedescriptor out of range in select()") for a descriptor of 1,024 or more. Once a process has many files and sockets open, new descriptors get numbers above 1,023, even if it wants to watch just one of them. poll passes an array of descriptors and epoll registers them in the kernel: neither has that limit.',
    },
    watch: {
      zh: '每次探测先打开 idle 对空闲的套接字（每对两个描述符）和一对有数据可读的套接字，然后用一种 API 监视每对中的一端和那个就绪的套接字，再全部关闭。selectSmall：空闲较少，最大描述符低于 1024，select 正常返回 1 个就绪。selectBig：空闲较多，最大描述符超过 1023，select 抛出 ValueError（selectBigErrorType）。poll 和 epoll 在几千个空闲描述符中同样找出唯一就绪的那一个（ready 为 1），ms 是一次调用的耗时。',
      en: 'Each probe opens idle pairs of idle sockets (two descriptors a pair) and one pair with data to read, watches one end of each pair and the ready socket with one API, and closes them all. selectSmall: few idle ones, the highest descriptor below 1,024, select returns the one ready. selectBig: more idle ones, the highest descriptor above 1,023, select raises ValueError (selectBigErrorType). poll and epoll find the one ready socket among thousands of idle descriptors too (ready is 1); ms is how long one call took.',
    },
    pythonVsNode: {
      zh: '这一课只在 CPython 上运行：fd_select 探测是 CPython 独有的步骤，Node 引擎在开始之前就会拒绝。Node 不把 select 交给程序：libuv 在 Linux 上用 epoll，在 macOS 上用 kqueue，程序只看到事件回调，所以 Node 程序碰不到 1024 的上限。',
      en: 'This lesson runs on CPython only: the fd_select probe is a CPython step, and the Node engine refuses it before anything starts. Node does not hand select to programs: libuv uses epoll on Linux and kqueue on macOS, and programs see only event callbacks, so a Node program never meets the 1,024 limit.',
    },
    tryNext: {
      zh: '把 bigIdle 调到 500 以下：最大描述符回到 1024 以内，select 又能用了。把 manyIdle 调到 5000：poll 和 epoll 依然只报告那一个就绪的套接字；比较 pollMs 和 epollMs：poll 每次都要把整个数组交给内核扫描，epoll 的登记在内核里一直保留（这里的 epollMs 包含了登记所有描述符的时间）。',
      en: 'Set bigIdle below 500: the highest descriptor is back under 1,024 and select works again. Set manyIdle=5000: poll and epoll still report just the one ready socket; compare pollMs and epollMs: poll hands the whole array to the kernel to scan on every call, while epoll\'s registrations stay in the kernel (here epollMs includes registering every descriptor).',
    },
  },
  presets: [
    { id: 'under-the-limit', label: { en: 'Stay under 1,024', zh: '不超过 1024' }, params: { bigIdle: 400 } },
    { id: 'five-thousand', label: { en: '5000 idle descriptors', zh: '5000 个空闲描述符' }, params: { manyIdle: 5000 } },
  ],
  questions: [
    {
      id: 'select-big',
      kind: 'choice',
      text: { en: 'select.select is handed a descriptor numbered above 1,023. What happens?', zh: '把一个编号大于 1023 的描述符交给 select.select。会怎样？' },
      choices: [
        { id: 'refused', text: { en: 'It refuses: ValueError', zh: '拒绝：抛出 ValueError' }, when: '<0.5' },
        { id: 'works', text: { en: 'It works like any other', zh: '和别的描述符一样正常工作' }, when: '>=0.5' },
      ],
      answerFrom: { record: 'selectBigOk' },
      why: {
        en: 'select describes descriptors with a fixed bitmap of 1,024 bits (FD_SETSIZE); CPython checks and raises ValueError instead of writing past it.',
        zh: 'select 用固定的 1024 位位图（FD_SETSIZE）来描述描述符；CPython 会先检查，直接抛出 ValueError，而不是越界写入。',
      },
    },
    {
      id: 'epoll-ready',
      kind: 'number',
      text: { en: 'epoll watches 2,000 idle descriptors and one ready one. How many does it report?', zh: 'epoll 盯着 2000 个空闲描述符和 1 个就绪的。它报告几个？' },
      min: 0,
      max: 100000,
      answerFrom: { record: 'epollReady' },
      tolerance: { absolute: 0 },
      why: { en: 'epoll has no descriptor limit and returns only the ready ones: 1.', zh: 'epoll 没有描述符上限，而且只返回就绪的：1 个。' },
    },
  ],
  spec: {
    version: 1,
    id: 'select-limit',
    title: { en: 'select, poll and epoll with many descriptors open', zh: '打开很多描述符时的 select、poll 和 epoll' },
    params: {
      smallIdle: { type: 'integer', default: 100, min: 0, max: 400, description: { en: 'idle socket pairs for the select that works', zh: 'select 正常工作时的空闲套接字对数' } },
      bigIdle: { type: 'integer', default: 600, min: 0, max: 5_000, description: { en: 'idle socket pairs for the select that fails (above about 510 pairs the descriptors pass 1,023)', zh: 'select 失败时的空闲套接字对数（超过约 510 对，描述符就超过 1023）' } },
      manyIdle: { type: 'integer', default: 2_000, min: 0, max: 5_000, description: { en: 'idle socket pairs for poll and epoll', zh: 'poll 和 epoll 的空闲套接字对数' } },
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          ...probe('select', { param: 'smallIdle' }, 'selectSmall', ['ok', 'ready', 'highestFd']),
          ...probe('select', { param: 'bigIdle' }, 'selectBig', ['ok', 'errorType', 'highestFd']),
          ...probe('poll', { param: 'manyIdle' }, 'poll', ['ok', 'ready', 'highestFd', 'ms']),
          ...probe('epoll', { param: 'manyIdle' }, 'epoll', ['ok', 'ready', 'highestFd', 'ms']),
        ],
      },
    ],
    claims: [
      {
        id: 'select-below-1024',
        text: { en: 'With every descriptor below 1,024, select finds the one ready socket', zh: '所有描述符都低于 1024 时，select 能找到那个就绪的套接字' },
        when: { compare: [{ param: 'smallIdle' }, '<=', 400] },
        check: { all: [{ compare: [{ record: 'selectSmallOk' }, '==', { const: true }] }, { compare: [{ record: 'selectSmallReady' }, '==', { const: 1 }] }, { compare: [{ record: 'selectSmallHighestFd' }, '<', { const: 1024 }] }] },
      },
      {
        id: 'select-refuses-above-1023',
        text: { en: 'Given a descriptor above 1,023, select.select raises ValueError', zh: '遇到大于 1023 的描述符，select.select 抛出 ValueError' },
        when: { compare: [{ param: 'bigIdle' }, '>=', 520] },
        check: { all: [{ compare: [{ record: 'selectBigHighestFd' }, '>', { const: 1023 }] }, { compare: [{ record: 'selectBigOk' }, '==', { const: false }] }, { compare: [{ record: 'selectBigErrorType' }, '==', { const: 'ValueError' }] }] },
      },
      {
        id: 'poll-no-limit',
        text: { en: 'poll watches descriptors above 1,023 and finds the one ready socket', zh: 'poll 能监视大于 1023 的描述符，并找到那个就绪的套接字' },
        when: { compare: [{ param: 'manyIdle' }, '>=', 520] },
        check: { all: [{ compare: [{ record: 'pollHighestFd' }, '>', { const: 1023 }] }, { compare: [{ record: 'pollOk' }, '==', { const: true }] }, { compare: [{ record: 'pollReady' }, '==', { const: 1 }] }] },
      },
      {
        id: 'epoll-no-limit',
        text: { en: 'epoll serves thousands of idle descriptors and one ready one: it reports just the ready one', zh: 'epoll 面对几千个空闲描述符和一个就绪的，只报告就绪的那一个' },
        requires: { platform: 'linux' },
        when: { compare: [{ param: 'manyIdle' }, '>=', 520] },
        check: { all: [{ compare: [{ record: 'epollHighestFd' }, '>', { const: 1023 }] }, { compare: [{ record: 'epollOk' }, '==', { const: true }] }, { compare: [{ record: 'epollReady' }, '==', { const: 1 }] }] },
      },
    ],
  },
};
