import type { Lesson } from '../../model/lesson';
import type { AuthoredActor, AuthoredStep, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });

/** Each request makes the server wait this long before it echoes (an awaited wait, like a database call). */
const DELAY_MS = 20;
const CLIENTS = 4;
const REQUESTS = 8;

const MODELS = [
  { key: 'serial', model: 'blocking-serial' },
  { key: 'threads', model: 'thread-per-connection' },
  { key: 'processes', model: 'process-per-connection' },
  { key: 'eventLoop', model: 'event-loop' },
  { key: 'workerPool', model: 'worker-pool' },
  { key: 'cluster', model: 'cluster' },
] as const;
const CONCURRENT = MODELS.filter((m) => m.key !== 'serial');

/**
 * A client: one connection, REQUESTS requests one after another. Against the concurrent models it
 * first exchanges a greeting, so that whatever the model starts per connection (a thread, a process)
 * is running before the clock starts; a serial server could not answer that while another client is
 * connected, so its clients skip it. All clients then wait at a barrier and start together.
 */
const client = (key: string): AuthoredStep[] => [
  { op: 'connect', server: key, into: 'c' },
  ...(key === 'serial'
    ? []
    : ([
        { op: 'send', conn: ref('c'), data: 'hello\n', all: true },
        { op: 'recv', conn: ref('c'), until: '\n', timeoutMs: 30000, into: 'greeting' },
      ] satisfies AuthoredStep[])),
  { op: 'wait', prim: `${key}Ready` },
  { op: 'if', cond: { compare: [{ self: 'index' }, '==', 0] }, then: [{ op: 'set', prim: `${key}Go` }] },
  { op: 'let', name: 'n', value: 0 },
  {
    op: 'repeat',
    times: REQUESTS,
    trace: 'summary',
    steps: [
      { op: 'let', name: 'n', value: { add: [ref('n'), 1] } },
      { op: 'let', name: 'message', value: { concat: ['client ', { self: 'index' }, ' request ', ref('n')] } },
      { op: 'send', conn: ref('c'), data: { concat: [ref('message'), '\n'] }, all: true },
      { op: 'recv', conn: ref('c'), until: '\n', timeoutMs: 30000, into: 'reply' },
      { op: 'if', cond: { compare: [ref('reply'), '==', ref('message')] }, then: [{ op: 'record', name: `${key}Echo`, value: ref('reply') }] },
    ],
  },
  { op: 'close', conn: ref('c') },
];

const phase = (key: string): AuthoredStep[] => [
  { op: 'spawn', actor: `${key}Client` },
  { op: 'wait', prim: `${key}Go` },
  { op: 'let', name: 't0', value: { now: 'ms' } },
  { op: 'join', actor: `${key}Client` },
  { op: 'record', name: `${key}Ms`, value: { sub: [{ now: 'ms' }, ref('t0')] } },
  // Then one load generator run against the same server, for throughput and latency percentiles.
  // A serial server cannot serve a second connection while the first stays open, so its load uses one.
  { op: 'load', server: key, connections: key === 'serial' ? 1 : CLIENTS, requests: { param: 'loadRequests' }, messageBytes: 16, into: 'report' },
  ...['requestsPerS', 'p50Ms', 'p99Ms', 'sent', 'answered', 'errors'].map((field): AuthoredStep => ({ op: 'record', name: `${key}Load_${field}`, value: { at: [ref('report'), field] } })),
];

export const serverModels: Lesson = {
  id: 'server-models',
  chapter: 'sockets',
  title: { en: 'One echo service, six server models', zh: '同一个回显服务，六种服务器模型' },
  text: {
    teaches: {
      en: `The same echo service, whose every request waits ${DELAY_MS} ms before answering (as if it asked a database), runs under six concurrency models: serving one connection at a time; a thread per connection; a process per connection; a single-threaded event loop; a fixed pool of worker threads; and a cluster of processes sharing the port. ${CLIENTS} clients each send ${REQUESTS} requests. Every model answers correctly. The serial server makes the clients queue, so it needs the sum of all the waits; every other model overlaps the waits and finishes in roughly one client's share.`,
      zh: `同一个回显服务（每个请求在应答前等待 ${DELAY_MS} 毫秒，好像在查询数据库）在六种并发模型下运行：一次服务一条连接；每连接一个线程；每连接一个进程；单线程事件循环；固定大小的工作线程池；以及共享同一端口的进程集群。${CLIENTS} 个客户端各发送 ${REQUESTS} 个请求。每种模型都回答正确。串行服务器让客户端排队，需要所有等待时间之和；其他模型都让等待相互重叠，大约只需一个客户端的那一份时间。`,
    },
    watch: {
      en: 'The recorded <model>Ms values: serial is about four times the others. Then each model\'s load report: requests per second and the 50th and 99th percentile latency. The serial server\'s load uses a single connection, since a second one would wait until the first leaves.',
      zh: '看记录的 <模型>Ms：串行约为其他模型的四倍。再看每种模型的负载报告：每秒请求数，以及第 50 和第 99 百分位延迟。串行服务器的负载只用一条连接，因为第二条连接要等第一条离开才会被服务。',
    },
    pythonVsNode: {
      en: 'Python offers these models through socketserver (TCPServer, ThreadingTCPServer, ForkingTCPServer), selectors/asyncio, concurrent.futures pools and multiprocessing. In Node the event loop is the natural model and the others are built from worker_threads and child_process; the cluster model is Node\'s cluster module, where worker processes share one listening port. In Python the GIL makes threads useless for CPU work; here the requests only wait, so threads help as much as anything else.',
      zh: 'Python 通过 socketserver（TCPServer、ThreadingTCPServer、ForkingTCPServer）、selectors/asyncio、concurrent.futures 线程池和 multiprocessing 提供这些模型。在 Node 中，事件循环是天然的模型，其他模型用 worker_threads 和 child_process 搭建；集群模型就是 Node 的 cluster 模块，多个工作进程共享一个监听端口。在 Python 中 GIL 让线程对 CPU 密集的工作毫无帮助；这里的请求只是在等待，所以线程和其他方式一样有效。',
    },
    tryNext: {
      en: 'Set loadRequests=2000 and compare the load reports: without per-connection start-up in the measurement, the event loop and the pools are close; the process-per-connection model pays for relaying every byte between processes.',
      zh: '设置 loadRequests=2000，比较负载报告：测量中不含每连接的启动开销时，事件循环和各种池相差不大；每连接一个进程的模型要为在进程之间转发每个字节付出代价。',
    },
  },
  results: {
    kind: 'table',
    title: { en: 'Each server model under the same load', zh: '同样负载下的各种服务器模型' },
    rowHeader: { en: 'server model', zh: '服务器模型' },
    columns: [
      { id: 'rps', label: { en: 'requests per second', zh: '每秒请求数' }, unit: 'req/s' },
      { id: 'p50', label: { en: 'median latency, p50', zh: '中位延迟 p50' }, unit: 'ms' },
      { id: 'p99', label: { en: 'tail latency, p99', zh: '尾部延迟 p99' }, unit: 'ms' },
      { id: 'phase', label: { en: 'phase time', zh: '阶段耗时' }, unit: 'ms' },
    ],
    rows: [
      { label: { en: 'one connection at a time', zh: '逐个处理连接' }, cells: [{ record: 'serialLoad_requestsPerS' }, { record: 'serialLoad_p50Ms' }, { record: 'serialLoad_p99Ms' }, { record: 'serialMs' }] },
      { label: { en: 'a thread per connection', zh: '每个连接一个线程' }, cells: [{ record: 'threadsLoad_requestsPerS' }, { record: 'threadsLoad_p50Ms' }, { record: 'threadsLoad_p99Ms' }, { record: 'threadsMs' }] },
      { label: { en: 'a process per connection', zh: '每个连接一个进程' }, cells: [{ record: 'processesLoad_requestsPerS' }, { record: 'processesLoad_p50Ms' }, { record: 'processesLoad_p99Ms' }, { record: 'processesMs' }] },
      { label: { en: 'event loop', zh: '事件循环' }, cells: [{ record: 'eventLoopLoad_requestsPerS' }, { record: 'eventLoopLoad_p50Ms' }, { record: 'eventLoopLoad_p99Ms' }, { record: 'eventLoopMs' }] },
      { label: { en: 'worker pool', zh: '工作线程池' }, cells: [{ record: 'workerPoolLoad_requestsPerS' }, { record: 'workerPoolLoad_p50Ms' }, { record: 'workerPoolLoad_p99Ms' }, { record: 'workerPoolMs' }] },
      { label: { en: 'cluster of processes', zh: '多进程集群' }, cells: [{ record: 'clusterLoad_requestsPerS' }, { record: 'clusterLoad_p50Ms' }, { record: 'clusterLoad_p99Ms' }, { record: 'clusterMs' }] },
    ],
    ratios: [{ label: { en: 'serial phase ÷ threads phase', zh: '串行阶段 ÷ 线程阶段' }, of: { record: 'serialMs' }, over: { record: 'threadsMs' } }],
  },
  presets: [
    { id: 'two-thousand', label: { en: '2000 requests per connection', zh: '每条连接 2000 个请求' }, params: { loadRequests: 2000 } },
  ],
  questions: [
    {
      id: 'serial-ms',
      kind: 'number',
      text: {
        en: '4 clients each send 8 requests, and every request waits 20 ms. How many ms does the serial server (one connection at a time) need?',
        zh: '4 个客户端各发 8 个请求，每个请求等待 20 毫秒。串行服务器（一次一个连接）需要多少毫秒？',
      },
      unit: 'ms',
      min: 0,
      max: 600000,
      answerFrom: { record: 'serialMs' },
      tolerance: { relative: 0.3 },
      why: { en: 'One connection at a time, the 32 waits add up: about 32 × 20 = 640 ms, plus overhead.', zh: '一次一个连接，32 次等待相加：大约 32 × 20 = 640 毫秒，再加些开销。' },
    },
    {
      id: 'event-loop',
      kind: 'choice',
      text: { en: 'Is the event-loop server at least twice as fast as the serial one?', zh: '事件循环服务器比串行服务器至少快一倍吗？' },
      choices: [{ id: 'yes', text: { en: 'Yes', zh: '是' }, when: '>=2' }, { id: 'no', text: { en: 'No', zh: '不是' }, when: '<2' }],
      answerFrom: { ratio: [{ record: 'serialMs' }, { record: 'eventLoopMs' }] },
      why: {
        en: 'The event loop overlaps the waits of all four connections on one thread, as threads and processes do with more of them.',
        zh: '事件循环在一个线程里把四个连接的等待重叠起来，就像线程和进程用更多执行单元做到的那样。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'server-models',
    title: { en: 'Echo with waits under six models', zh: '六种模型下带等待的回显' },
    params: {
      loadRequests: { type: 'integer', default: 40, min: 1, max: 100000, description: { en: 'requests of each load generator run', zh: '每次负载生成器运行的请求数' } },
    },
    primitives: Object.fromEntries(
      MODELS.flatMap(({ key }) => [
        [`${key}Ready`, { type: 'barrier', parties: CLIENTS }],
        [`${key}Go`, { type: 'event' }],
      ]),
    ),
    // The pool has a worker per client: a pool worker that waits (CPython's threads block in the wait) serves one
    // request at a time, so with the default two workers four clients would queue in pairs and take twice one share.
    servers: Object.fromEntries(
      MODELS.map(({ key, model }) => [key, { protocol: 'tcp', model, handler: { kind: 'delay', ms: DELAY_MS }, ...(model === 'worker-pool' ? { workers: CLIENTS } : {}) }]),
    ),
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [{ op: 'record', name: 'sumOfWaitsMs', value: CLIENTS * REQUESTS * DELAY_MS }, ...MODELS.flatMap(({ key }) => phase(key))],
      },
      ...MODELS.map(({ key }): AuthoredActor => ({ name: `${key}Client`, kind: 'task', count: CLIENTS, autostart: false, program: client(key) })),
    ],
    claims: [
      {
        id: 'all-correct',
        text: { en: 'Under every model each request is echoed back exactly, and every load request is answered without error', zh: '每种模型下，每个请求都被原样回显，负载生成器的每个请求都得到应答且没有错误' },
        check: {
          all: MODELS.flatMap(({ key }) => [
            { compare: [{ record: `${key}Echo`, agg: 'distinct' }, '==', { const: CLIENTS * REQUESTS }] },
            { compare: [{ record: `${key}Load_answered` }, '==', { record: `${key}Load_sent` }] },
            { compare: [{ record: `${key}Load_errors` }, '==', { const: 0 }] },
          ]),
        },
      },
      {
        id: 'serial-sums-the-waits',
        text: { en: 'Served one connection at a time, the waits add up: the serial server needs nearly their sum (at least 80 % of it)', zh: '一次服务一条连接时，等待会累加：串行服务器的用时接近它们的总和（至少为其 80%）' },
        check: { compare: [{ record: 'serialMs' }, '>=', { record: 'sumOfWaitsMs' }], factor: 0.8 },
      },
      {
        id: 'serial-slowest',
        text: { en: 'Every other model overlaps the waits: each takes less than half the serial server\'s time', zh: '其他每种模型都让等待相互重叠：各自用时不到串行服务器的一半' },
        check: { all: CONCURRENT.map(({ key }) => ({ compare: [{ record: `${key}Ms` }, '<', { record: 'serialMs' }], factor: 0.5 })) },
      },
    ],
  },
};
