import type { Lesson } from '../../model/lesson';
import type { AuthoredCond, AuthoredStep, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });
const add = (a: AuthoredValue, b: AuthoredValue): AuthoredValue => ({ add: [a, b] });
const SLOTS = 8;
const zeros = Array.from({ length: SLOTS }, () => 0);
const isKind = (kind: string): AuthoredCond => ({ compare: [{ param: 'childKind' }, '==', kind] });
const dictKey = (index: AuthoredValue): AuthoredValue => ({ concat: ['child ', index] });

const childProgram: AuthoredStep[] = [
  { op: 'let', name: 'mine', value: add({ self: 'index' }, 1) },
  { op: 'write', var: 'plain', index: { self: 'index' }, value: ref('mine') },
  { op: 'write', var: 'managedList', index: { self: 'index' }, value: ref('mine') },
  { op: 'write', var: 'managedDict', index: dictKey({ self: 'index' }), value: ref('mine') },
  { op: 'read', var: 'plain', index: { self: 'index' }, into: 'seen' },
  { op: 'record', name: 'childSawOwnWrite', value: ref('seen') },
  { op: 'log', message: '{me} wrote {v} to all three', values: { me: { self: 'name' }, v: ref('mine') } },
];

export const processSharedData: Lesson = {
  id: 'process-shared-data',
  chapter: 'processes',
  title: { en: 'Sharing data between processes on purpose', zh: '有意在进程之间共享数据' },
  text: {
    teaches: {
      en: 'By default processes share nothing: each child writes into its own copy of the parent\'s list, and the parent never sees it. To share, you choose a mechanism on purpose. A manager is a server process that holds the real list or dict; every child reads and writes it through messages, so every change is seen by all. Here each child writes its number into three places: a plain list, a managed list and a managed dict. Afterwards the parent finds its plain list untouched and the two managed ones filled in.',
      zh: '默认情况下进程之间什么都不共享：每个子进程都写进自己那份父进程列表的副本，父进程永远看不到。想要共享，就得有意选择一种机制。管理器（Manager）是一个持有真正列表或字典的服务进程；每个子进程都通过消息读写它，所以任何修改对所有人都可见。这里每个子进程把自己的编号写到三个地方：普通列表、托管列表和托管字典。之后父进程发现自己的普通列表原封未动，两个托管的则都被填好了。',
    },
    watch: {
      en: 'Every child lane writes and reads back its own number from the plain list, so inside the child the write "worked". The main lane then reads all three: plainSum stays 0 while listSum and dictCount match what the children wrote. With childKind=thread the plain list is filled too.',
      zh: '每条子进程泳道都向普通列表写入并读回自己的编号，所以在子进程内部，写入是“成功”的。随后主泳道读取这三处：plainSum 保持为 0，而 listSum 和 dictCount 与子进程写入的一致。设置 childKind=thread 时，普通列表也会被填上。',
    },
    pythonVsNode: {
      en: 'Python offers two ways to share on purpose: multiprocessing.Value and Array put raw numbers in memory mapped into every process, and a Manager serves whole lists and dicts over a connection. Node has no way to map memory between processes without a native add-on (a SharedArrayBuffer crosses threads, never processes), so the lab offers only the manager\'s way for processes: the runner plays the manager and serves the managed list and dict. Worker threads, in contrast, can truly share the plain list, which childKind=thread shows.',
      zh: 'Python 提供两种有意共享的方式：multiprocessing.Value 和 Array 把原始数值放进映射到每个进程的内存里；Manager 则通过连接提供完整的列表和字典。Node 不借助原生扩展就无法在进程间映射内存（SharedArrayBuffer 只能跨线程，不能跨进程），所以实验室对进程只提供管理器这一种方式：由运行器扮演管理器，提供托管列表和托管字典。相比之下，worker 线程可以真正共享普通列表，childKind=thread 展示的就是这一点。',
    },
    tryNext: {
      en: 'Set childKind=thread: plainSum now equals listSum, since threads write into the very memory the parent reads. Set children=8: the managed list and dict fill up completely, one slot per child.',
      zh: '设置 childKind=thread：plainSum 变得和 listSum 相等，因为线程写入的就是父进程读取的那块内存。设置 children=8：托管列表和字典被完全填满，每个子进程（或线程）一格。',
    },
  },
  presets: [
    { id: 'thread-children', label: { en: 'Threads instead of processes', zh: '改用线程' }, params: { childKind: 'thread' } },
    { id: 'eight-children', label: { en: 'Eight children', zh: '八个子进程' }, params: { children: 8 } },
  ],
  questions: [
    {
      id: 'plain-list',
      kind: 'choice',
      text: {
        en: 'Three child processes each write their number into the parent\'s plain list. What does the parent\'s list hold afterwards?',
        zh: '三个子进程各把自己的编号写进父进程的普通列表。之后父进程的列表里是什么？',
      },
      choices: [
        { id: 'unchanged', text: { en: 'Nothing changed: still all zeros', zh: '没有变化：仍全是 0' }, when: '<=0' },
        { id: 'written', text: { en: 'The children\'s numbers', zh: '子进程写入的编号' }, when: '>0' },
      ],
      answerFrom: { record: 'plainSum' },
      why: {
        en: 'Each child writes into its own copy of the list. Only a manager (or shared memory) makes a change visible to the parent.',
        zh: '每个子进程写的是自己那份列表副本。只有经过管理器（或共享内存），修改才能让父进程看到。',
      },
    },
    {
      id: 'dict-count',
      kind: 'number',
      text: { en: 'Each child also writes into a managed dict. How many entries does it hold at the end?', zh: '每个子进程还往一个 managed dict 里写一项。最后它有几项？' },
      min: 0,
      max: 1000,
      answerFrom: { record: 'dictCount' },
      tolerance: { absolute: 0 },
      why: {
        en: 'The manager holds the one real dict; every child writes it through messages, so all three writes land: 3 entries.',
        zh: '真正的字典只有一份，在管理器进程里；每个子进程都通过消息去写它，所以三次写入都在：3 项。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'process-shared-data',
    title: { en: 'A plain list, a managed list and a managed dict', zh: '普通列表、托管列表与托管字典' },
    params: {
      children: { type: 'integer', default: 3, min: 1, max: SLOTS },
      childKind: { type: 'choice', default: 'process', choices: ['process', 'thread'], description: { en: 'run the children as processes or as threads', zh: '用子进程还是线程来运行这几份程序' } },
    },
    shared: {
      plain: { scope: 'shared', initial: zeros, description: { en: 'an ordinary list of the parent', zh: '父进程的一个普通列表' } },
      managedList: { scope: 'managed', initial: zeros, description: { en: 'a list served by a manager', zh: '由管理器提供的列表' } },
      managedDict: { scope: 'managed', initial: {}, description: { en: 'a dict served by a manager', zh: '由管理器提供的字典' } },
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          {
            op: 'if',
            cond: isKind('process'),
            then: [{ op: 'spawn', actor: 'childProcess' }, { op: 'join', actor: 'childProcess' }],
            else: [{ op: 'spawn', actor: 'childThread' }, { op: 'join', actor: 'childThread' }],
          },
          { op: 'let', name: 'i', value: 0 },
          { op: 'let', name: 'expectedSum', value: 0 },
          { op: 'let', name: 'plainSum', value: 0 },
          { op: 'let', name: 'listSum', value: 0 },
          { op: 'let', name: 'dictCount', value: 0 },
          {
            op: 'repeat',
            times: { param: 'children' },
            steps: [
              { op: 'let', name: 'expectedSum', value: add(ref('expectedSum'), add(ref('i'), 1)) },
              { op: 'read', var: 'plain', index: ref('i'), into: 'v' },
              { op: 'let', name: 'plainSum', value: add(ref('plainSum'), ref('v')) },
              { op: 'read', var: 'managedList', index: ref('i'), into: 'v' },
              { op: 'let', name: 'listSum', value: add(ref('listSum'), ref('v')) },
              { op: 'read', var: 'managedDict', index: dictKey(ref('i')), into: 'v' },
              { op: 'if', cond: { compare: [ref('v'), '==', add(ref('i'), 1)] }, then: [{ op: 'let', name: 'dictCount', value: add(ref('dictCount'), 1) }] },
              { op: 'let', name: 'i', value: add(ref('i'), 1) },
            ],
          },
          { op: 'record', name: 'expectedSum', value: ref('expectedSum') },
          { op: 'record', name: 'plainSum', value: ref('plainSum') },
          { op: 'record', name: 'listSum', value: ref('listSum') },
          { op: 'record', name: 'dictCount', value: ref('dictCount') },
          { op: 'log', message: 'parent: plain list sum {p}, managed list sum {l}, managed dict entries {d}', values: { p: ref('plainSum'), l: ref('listSum'), d: ref('dictCount') } },
        ],
      },
      { name: 'childProcess', kind: 'process', count: { param: 'children' }, autostart: false, program: childProgram },
      { name: 'childThread', kind: 'thread', count: { param: 'children' }, autostart: false, program: childProgram },
    ],
    claims: [
      {
        id: 'child-sees-own-write',
        text: { en: 'Inside each child, its write to the plain list is there', zh: '每个子进程（或线程）都能在普通列表里读到自己的写入' },
        check: { compare: [{ record: 'childSawOwnWrite', agg: 'min' }, '>=', { const: 1 }] },
      },
      {
        id: 'plain-list-unchanged',
        text: { en: 'The parent\'s plain list is unchanged by child processes', zh: '子进程没有改变父进程的普通列表' },
        when: isKind('process'),
        check: {
          all: [
            { compare: [{ record: 'plainSum' }, '==', { const: 0 }] },
            { compare: [{ shared: 'plain', index: 0 }, '==', { const: 0 }] },
          ],
        },
      },
      {
        id: 'plain-list-shared-by-threads',
        text: { en: 'Threads write into the parent\'s own plain list', zh: '线程直接写入父进程自己的普通列表' },
        when: isKind('thread'),
        check: { compare: [{ record: 'plainSum' }, '==', { record: 'expectedSum' }] },
      },
      {
        id: 'managed-shows-writes',
        text: { en: 'The managed list and dict show every child\'s write', zh: '托管列表和字典里有每个子进程（或线程）的写入' },
        check: {
          all: [
            { compare: [{ record: 'listSum' }, '==', { record: 'expectedSum' }] },
            { compare: [{ record: 'dictCount' }, '==', { const: { param: 'children' } }] },
          ],
        },
      },
    ],
  },
};
