import type { Lesson } from '../../model/lesson';
import type { AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });
const lineText = (i: AuthoredValue): AuthoredValue => ({ concat: ['Line ', i, ': the Quick brown fox'] });
const FILE = 'db.txt';

export const threadPipeline: Lesson = {
  id: 'thread-pipeline',
  chapter: 'threads',
  title: { en: 'A three-stage pipeline of threads', zh: '由三个线程组成的流水线' },
  text: {
    teaches: {
      en: 'Work can be split into stages, one thread per stage, connected by queues. A reader thread takes lines as a person types them, a formatter thread turns each line to upper case, and a writer thread appends each result to a file. Each stage waits only for its own input, so typing, formatting and saving overlap. Queues hand each line over exactly once and in order, which plain shared lists polled in a loop do not guarantee.',
      zh: '工作可以拆成几个阶段，每个阶段一个线程，阶段之间用队列相连。读取线程接收用户输入的一行行文字，格式化线程把每行转成大写，写入线程把结果追加到文件里。每个阶段只等待自己的输入，所以输入、格式化和保存是重叠进行的。队列保证每一行恰好交接一次且保持顺序，而在循环里轮询普通共享列表做不到这一点。',
    },
    watch: {
      en: 'The reader lane puts a line every typingMs; the formatter lane spends most of its time in get, waking for each line; the writer lane follows just behind. At the end main reads the file back and records it next to the text it expected.',
      zh: '读取泳道每隔 typingMs 放入一行；格式化泳道大部分时间停在 get 上，每来一行醒一次；写入泳道紧随其后。最后主程序把文件读回来，和预期的文本一起记录下来。',
    },
    pythonVsNode: {
      en: 'A typical Python version reads real keyboard input and has its threads spin over shared lists, burning a core while idle. The lab scripts the input (it runs unattended) and uses blocking queues, so idle stages sleep. Node worker threads cannot share a JavaScript array at all, only raw shared memory, so queues are the natural way to pass text between them; the lab\'s queues are served by the runner.',
      zh: '常见的 Python 写法读取真实的键盘输入，并让线程在共享列表上空转，空闲时也占满一个核心。实验室用脚本模拟输入（无人值守运行），并使用阻塞队列，所以空闲的阶段在睡眠。Node 的 worker 线程根本无法共享 JavaScript 数组，只能共享原始内存，所以用队列在它们之间传递文本是最自然的做法；实验室的队列由运行器提供。',
    },
    tryNext: {
      en: 'Set typingMs=0: all lines arrive at once and the queues fill up, yet the file is the same. Set lines=50: the file grows to fifty upper-cased lines, still in order.',
      zh: '设置 typingMs=0：所有行同时到达，队列被塞满，但文件内容不变。设置 lines=50：文件增长到五十行大写文本，顺序依旧。',
    },
  },
  presets: [
    { id: 'no-typing-pause', label: { en: 'Type without pauses', zh: '输入不停顿' }, params: { typingMs: 0 } },
    { id: 'fifty-lines', label: { en: 'Fifty lines', zh: '五十行' }, params: { lines: 50 } },
  ],
  questions: [
    {
      id: 'file-content',
      kind: 'choice',
      text: { en: 'Reader, formatter and writer threads pass lines along through queues. What ends up in the file?', zh: '读取、格式化、写入三个线程通过队列传递每一行。文件里最后是什么？' },
      choices: [
        { id: 'yes', text: { en: 'Every line, upper-cased, in the order typed', zh: '每一行都在，已转大写，顺序与输入相同' }, when: '>=0.5' },
        { id: 'no', text: { en: 'Some lines missing, doubled or out of order', zh: '有的行丢了、重复了或乱了序' }, when: '<0.5' },
      ],
      answerFrom: { claim: 'file-holds-every-line-upper-cased' },
      why: {
        en: 'A queue hands each item over exactly once and in order, so each stage gets every line in turn while the stages overlap.',
        zh: '队列把每个元素恰好交出一次，并且保持顺序；所以各阶段相互重叠，却依次拿到每一行。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'thread-pipeline',
    title: { en: 'Read, upper-case, save', zh: '读取、转大写、保存' },
    params: {
      lines: { type: 'integer', default: 5, min: 1, max: 200, description: { en: 'lines the scripted user types', zh: '脚本模拟的用户输入的行数' } },
      typingMs: { type: 'integer', default: 30, min: 0, max: 2000, description: { en: 'time between two typed lines', zh: '两行输入之间的间隔' } },
    },
    queues: { typed: { order: 'fifo' }, formatted: { order: 'fifo' } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'spawn', actor: 'reader' },
          { op: 'spawn', actor: 'formatter' },
          { op: 'spawn', actor: 'writer' },
          // What the file should hold, built independently of the pipeline.
          { op: 'let', name: 'expected', value: '' },
          { op: 'let', name: 'i', value: 1 },
          {
            op: 'repeat',
            times: { param: 'lines' },
            steps: [
              { op: 'let', name: 'expected', value: { concat: [ref('expected'), { upper: lineText(ref('i')) }, '\n'] } },
              { op: 'let', name: 'i', value: { add: [ref('i'), 1] } },
            ],
          },
          { op: 'join', actor: 'reader' },
          { op: 'join', actor: 'formatter' },
          { op: 'join', actor: 'writer' },
          { op: 'file_read', path: FILE, into: 'saved' },
          { op: 'record', name: 'saved', value: ref('saved') },
          { op: 'record', name: 'expected', value: ref('expected') },
        ],
      },
      {
        name: 'reader',
        kind: 'thread',
        autostart: false,
        program: [
          { op: 'let', name: 'i', value: 1 },
          {
            op: 'repeat',
            times: { param: 'lines' },
            steps: [
              { op: 'sleep', ms: { param: 'typingMs' } },
              { op: 'put', queue: 'typed', value: lineText(ref('i')) },
              { op: 'let', name: 'i', value: { add: [ref('i'), 1] } },
            ],
          },
        ],
      },
      {
        name: 'formatter',
        kind: 'thread',
        autostart: false,
        program: [
          {
            op: 'repeat',
            times: { param: 'lines' },
            steps: [
              { op: 'get', queue: 'typed', into: 'line' },
              { op: 'put', queue: 'formatted', value: { upper: ref('line') } },
            ],
          },
        ],
      },
      {
        name: 'writer',
        kind: 'thread',
        autostart: false,
        program: [
          {
            op: 'repeat',
            times: { param: 'lines' },
            steps: [
              { op: 'get', queue: 'formatted', into: 'line' },
              { op: 'file_append', path: FILE, text: { concat: [ref('line'), '\n'] } },
            ],
          },
        ],
      },
    ],
    claims: [
      {
        id: 'file-holds-every-line-upper-cased',
        text: { en: 'The file holds every typed line, upper-cased, in the order typed', zh: '文件按输入顺序保存了每一行，且都已转为大写' },
        check: { compare: [{ record: 'saved' }, '==', { record: 'expected' }] },
      },
      {
        id: 'one-append-per-line',
        text: { en: 'The writer appended once per line', zh: '写入线程每行追加一次' },
        check: { compare: [{ event: { op: 'file_append', actor: 'writer' }, pick: 'count' }, '==', { const: { param: 'lines' } }] },
      },
    ],
  },
};
