import type { Lesson } from '../../model/lesson';
import { IVR_TEXT } from '../../net/ivr';
import type { AuthoredStep, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });
const T = IVR_TEXT.zh;
const PROBLEM = 'my bill is too high';

/** Every line the caller hears, in order, with what the caller says just before it (null: nothing). */
const TURNS: readonly { readonly say: string | null; readonly hear: readonly string[] }[] = [
  { say: null, hear: [T.welcome] },
  { say: '9', hear: [T.retry] },
  { say: '0', hear: [T.connecting, T.agentHello] },
  { say: PROBLEM, hear: [T.agentNoted(PROBLEM)] },
  { say: 'exit', hear: [T.goodbye] },
];

const EXPECTED = TURNS.flatMap((turn) => turn.hear);

let heard = 0;
const caller = TURNS.flatMap((turn): AuthoredStep[] => [
  ...(turn.say === null ? [] : ([{ op: 'send', conn: ref('c'), data: `${turn.say}\n`, all: true }] satisfies AuthoredStep[])),
  ...turn.hear.flatMap((): AuthoredStep[] => {
    const line = `line${heard++}`;
    return [
      { op: 'recv', conn: ref('c'), until: '\n', timeoutMs: 5000, into: line },
      { op: 'record', name: line, value: ref(line) },
    ];
  }),
]);

export const ivrBot: Lesson = {
  id: 'ivr-bot',
  chapter: 'sockets',
  title: { en: 'A phone menu over TCP: a server with state', zh: 'TCP 上的电话菜单：有状态的服务器' },
  text: {
    teaches: {
      en: 'A conversation server remembers where each caller is. The 10086-style line greets the caller with a menu; "0" transfers to an agent, after which every line is answered by the agent; anything else in the menu asks the caller to try again; "exit" ends the call from anywhere. The state lives in the server\'s session for this one connection. The caller here presses a wrong key, then 0, describes a problem, and hangs up.',
      zh: '会话式服务器记得每个来电者进行到哪一步。仿 10086 的服务热线先用菜单问候来电者；输入“0”转人工，之后每一行都由客服回答；在菜单里输入其他内容会请来电者重新输入；任何时候输入“exit”都会结束通话。状态保存在服务器为这条连接建立的会话里。这里的来电者先按错一个键，再按 0，描述问题，然后挂断。',
    },
    watch: {
      en: 'Each send is followed by one or two recv spans: pressing 0 produces two lines (the transfer notice and the agent\'s greeting). After "exit" the server says goodbye and closes its end.',
      zh: '每次 send 之后是一个或两个 recv 区间：按 0 会得到两行（转接提示和客服的问候）。输入“exit”后，服务器道别并关闭它那一端。',
    },
    pythonVsNode: {
      en: 'The Python original keeps the state in local variables of a loop around recv(), one thread or process per caller. The lab keeps it in a small state machine object per connection, fed line by line from the socket\'s data events; the dialogue is the same whichever server model runs it.',
      zh: 'Python 原版把状态放在围绕 recv() 的循环的局部变量里，每个来电者一个线程或进程。实验室则为每条连接保存一个小状态机对象，由套接字的 data 事件逐行驱动；无论用哪种服务器模型运行，对话都一样。',
    },
    tryNext: {
      en: 'Set serverModel=thread-per-connection, then serverModel=process-per-connection: the transcript is identical, only the trace of the server changes. The state belongs to the connection\'s session, not to the way the server runs it.',
      zh: '把 serverModel 依次设为 thread-per-connection 和 process-per-connection：对话记录完全相同，变的只是服务器的跟踪记录。状态属于这条连接的会话，与服务器用什么方式运行它无关。',
    },
  },
  presets: [
    { id: 'thread-per-connection', label: { en: 'A thread per connection', zh: '每连接一个线程' }, params: { serverModel: 'thread-per-connection' } },
    { id: 'process-per-connection', label: { en: 'A process per connection', zh: '每连接一个进程' }, params: { serverModel: 'process-per-connection' } },
  ],
  questions: [
    {
      id: 'connections',
      kind: 'number',
      text: {
        en: 'The caller presses a wrong key, then 0, talks to the agent and says exit. How many connections does the whole call use?',
        zh: '来电者先按错键，再按 0，和客服交谈，最后输入 exit。整通电话用了几个连接？',
      },
      min: 0,
      max: 10000,
      answerFrom: { metric: 'server.hotline.connectionsAccepted' },
      tolerance: { absolute: 0 },
      why: { en: 'The conversation’s state (menu, agent) lives in the server’s session for that one connection.', zh: '对话的状态（菜单、客服）保存在服务器为这一个连接维护的会话里。' },
    },
  ],
  spec: {
    version: 1,
    id: 'ivr-bot',
    title: { en: 'Calling the 10086 line', zh: '拨打 10086 热线' },
    params: {
      serverModel: {
        type: 'choice',
        default: 'event-loop',
        choices: ['event-loop', 'thread-per-connection', 'process-per-connection'],
        description: { en: 'how the server runs each call', zh: '服务器以什么方式处理每个来电' },
      },
    },
    servers: { hotline: { protocol: 'tcp', model: { param: 'serverModel' }, handler: { kind: 'ivr', language: 'zh' } } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [{ op: 'connect', server: 'hotline', into: 'c' }, ...caller, { op: 'close', conn: ref('c') }],
      },
    ],
    claims: [
      {
        id: 'transcript',
        text: {
          en: 'The transcript matches the dialogue line for line: welcome, retry, transfer, agent greeting, the agent noting the problem, goodbye',
          zh: '对话记录逐行与对话脚本一致：欢迎、重新输入、转接、客服问候、客服记下问题、道别',
        },
        check: { all: EXPECTED.map((line, i) => ({ compare: [{ record: `line${i}` }, '==', { const: line }] })) },
      },
      {
        id: 'one-call',
        text: { en: 'The whole conversation used one connection', zh: '整段对话只用了一条连接' },
        check: { compare: [{ metric: 'server.hotline.connectionsAccepted' }, '==', { const: 1 }] },
      },
    ],
  },
};
