import type { Lesson } from '../../model/lesson';
import type { AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });

export const generatorSwitch: Lesson = {
  id: 'generator-switch',
  chapter: 'coroutines',
  title: { en: 'Switching between generators: cheap, and useless without waiting', zh: '在生成器之间切换：很便宜，但没有等待就没有用' },
  text: {
    teaches: {
      en: 'A generator can pause itself and be resumed later, so two of them can hand a value back and forth: a producer and a consumer taking turns in one thread. Each hand-over is a switch, and a switch is cheap: some ten to a hundred-odd nanoseconds, far less than switching threads, yet not free. But switching does not make the work faster: with nothing to wait for, taking turns just adds the switches to the work. Coroutines pay off only when a task would otherwise sit waiting for input or output.',
      zh: '生成器可以暂停自己、稍后再被恢复，于是两个生成器可以来回传递一个值：生产者和消费者在同一个线程里轮流执行。每次交接就是一次切换。切换很便宜，只要十几到一百多纳秒，远比线程切换快，但并非没有代价。但切换并不会让工作变快：没有需要等待的东西时，轮流执行只是把切换的开销加到工作上。只有当任务原本要空等输入输出时，协程才有价值。',
    },
    watch: {
      en: 'One span, generator_pingpong, on the main lane: ten million switches in about a second or less (well under one in the lab, about one on CPython). The record switchesPerSecond is the rate on this machine.',
      zh: 'main 泳道上只有一段 generator_pingpong：一千万次切换大约一秒或更短（实验室远不到一秒，CPython 约一秒）。记录 switchesPerSecond 是本机的切换速率。',
    },
    pythonVsNode: {
      en: 'Python generators and V8 generators work alike (next/send and yield). V8 switches two to three times as fast as CPython. On a small two-core machine shared with other work we measured the lab at 20 to 64 million switches a second and CPython at 7 to 22 million, depending on how busy the machine was; with nothing else running, about 77 million and 28 to 31 million (about 13 ns and 33 ns a switch). Treat these as orders of magnitude: the record switchesPerSecond gives yours. The lab does not trace each switch — ten million events would cost far more than the switches — it times the whole exchange. Run it with --runtime both: both runtimes record the same switches, switchesPerSecond and elapsedMs, and the same claims judge them side by side.',
      zh: 'Python 生成器与 V8 生成器的工作方式相同（next/send 与 yield）。V8 的切换大约比 CPython 快两到三倍。我们在一台同时运行着其他工作的双核小机器上测量：随机器繁忙程度不同，实验室每秒切换 2000 万到 6400 万次，CPython 每秒 700 万到 2200 万次；机器空闲时，约为每秒 7700 万次和 2800 万到 3100 万次（每次切换约 13 纳秒和 33 纳秒）。这些数字只说明数量级，你的机器上的速率看记录 switchesPerSecond。实验室不会逐次跟踪切换——一千万个事件的代价远大于切换本身——而是对整个交换过程计时。用 --runtime both 运行：两种运行时记录同样的 switches、switchesPerSecond 和 elapsedMs，由同样的论断并排评判。',
    },
    tryNext: {
      en: 'Set switches=100000000: the time grows in proportion, the rate stays the same. Compare with the auto-switch-on-io lesson, where switching at the moment of waiting is what saves the time.',
      zh: '设置 switches=100000000：耗时成比例增长，速率不变。再对比 auto-switch-on-io 一课：在等待的时刻切换，才是节省时间的关键。',
    },
  },
  presets: [
    { id: 'hundred-million', label: { en: 'A hundred million switches', zh: '一亿次切换' }, params: { switches: 100_000_000 } },
  ],
  questions: [
    {
      id: 'rate',
      kind: 'choice',
      text: { en: 'Two generators hand a value back and forth ten million times. How many switches a second?', zh: '两个生成器来回传值一千万次。每秒能切换多少次？' },
      choices: [
        { id: 'under-million', text: { en: 'Fewer than a million', zh: '不到一百万次' }, when: '<1000000' },
        { id: 'millions', text: { en: 'A million to a hundred million', zh: '一百万到一亿次' }, when: '<100000000' },
        { id: 'more', text: { en: 'More than a hundred million', zh: '超过一亿次' }, when: '>=100000000' },
      ],
      answerFrom: { record: 'switchesPerSecond' },
      why: {
        en: 'A switch between generators is a function resume in the same thread: some ten to a hundred nanoseconds, so millions a second — cheap, but not free.',
        zh: '生成器之间的切换只是同一线程里恢复一个函数：大约几十到一百多纳秒，所以每秒几百万到几千万次——便宜，但不是零成本。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'generator-switch',
    title: { en: 'Ten million switches', zh: '一千万次切换' },
    params: { switches: { type: 'integer', default: 10_000_000, min: 2, max: 1_000_000_000 } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'generator_pingpong', switches: { param: 'switches' }, into: 'result' },
          { op: 'record', name: 'switches', value: { at: [ref('result'), 'switches'] } },
          { op: 'record', name: 'switchesPerSecond', value: { floor: { at: [ref('result'), 'perSecond'] } } },
          { op: 'record', name: 'elapsedMs', value: { at: [ref('result'), 'ms'] } },
        ],
      },
    ],
    claims: [
      {
        id: 'completes',
        text: { en: 'All switches complete', zh: '所有切换都完成了' },
        check: { compare: [{ record: 'switches' }, '>=', { const: { param: 'switches' } }] },
      },
      {
        id: 'rate-recorded',
        text: { en: 'The switching rate is recorded, above a million switches a second', zh: '记录了切换速率，每秒超过一百万次' },
        check: { compare: [{ record: 'switchesPerSecond' }, '>', { const: 1_000_000 }] },
      },
    ],
  },
};
