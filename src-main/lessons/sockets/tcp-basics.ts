import type { Lesson } from '../../model/lesson';
import type { AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });

export const tcpBasics: Lesson = {
  id: 'tcp-basics',
  chapter: 'sockets',
  title: { en: 'TCP basics: one request, one reply', zh: 'TCP 入门：一次请求，一次应答' },
  text: {
    teaches: {
      en: 'A TCP server binds an address, listens, and accepts connections; a client connects to that address, sends bytes and reads the answer, and either side closes. Here the server upper-cases what it receives. The client sends one line, reads up to the newline, and closes. The connection has two ends: the client\'s own address (an ephemeral port the system picked) and the server\'s (the port the server listens on).',
      zh: 'TCP 服务器绑定一个地址、开始监听并接受连接；客户端连接到这个地址，发送字节、读取应答，然后任意一方关闭连接。这里的服务器把收到的内容转成大写。客户端发送一行，读到换行为止，然后关闭。一条连接有两端：客户端自己的地址（系统挑选的临时端口）和服务器的地址（服务器监听的端口）。',
    },
    watch: {
      en: 'The net.connect event in the trace shows both ends of the connection: "local" is the client\'s address with a port the system chose, "remote" is the server\'s address, whose port is the same as the server.upper.port metric. Then send, recv and close follow in order.',
      zh: '时间线里的 net.connect 事件显示连接的两端：“local”是客户端地址，端口由系统选择；“remote”是服务器地址，其端口与指标 server.upper.port 相同。随后依次是 send、recv 和 close。',
    },
    pythonVsNode: {
      en: 'Python spells out socket(), bind(), listen(), accept(), connect(), send()/sendall(), recv() and close(), and getsockname()/getpeername() give the two ends. Node\'s net module folds bind+listen into server.listen() and hands each accepted socket to a callback; socket.localPort and socket.remotePort are the two ends. The bytes on the wire are the same.',
      zh: 'Python 把 socket()、bind()、listen()、accept()、connect()、send()/sendall()、recv()、close() 一一写出，用 getsockname()/getpeername() 取得连接两端。Node 的 net 模块把 bind 和 listen 合并为 server.listen()，并把每个接受的套接字交给回调；socket.localPort 和 socket.remotePort 就是两端。线上传输的字节完全相同。',
    },
    tryNext: {
      en: 'Choose the message "你好, tcp": only the ASCII letters come back upper-cased; the Chinese characters, three bytes each in UTF-8, pass through the server unchanged. Look at the send and recv events: they count bytes, so the line is longer than its number of characters.',
      zh: '把消息选为“你好, tcp”：只有 ASCII 字母变成大写；汉字在 UTF-8 中每个占三个字节，经过服务器后原样返回。看看 send 和 recv 事件：它们按字节计数，所以这一行的长度大于字符数。',
    },
  },
  presets: [
    { id: 'chinese-message', label: { en: 'A message with Chinese', zh: '带中文的消息' }, params: { message: '你好, tcp' } },
  ],
  questions: [
    {
      id: 'connections',
      kind: 'number',
      text: { en: 'The client sends one line and reads the reply. How many connections does the server accept?', zh: '客户端发一行、读回复。服务器接受了几个连接？' },
      min: 0,
      max: 10000,
      answerFrom: { metric: 'server.upper.connectionsAccepted' },
      tolerance: { absolute: 0 },
      why: { en: 'One request, one reply, over one connection: the client connects once, and the server accepts it once.', zh: '一次请求、一次回复，走的是同一个连接：客户端连一次，服务器接受一次。' },
    },
  ],
  spec: {
    version: 1,
    id: 'tcp-basics',
    title: { en: 'One TCP request and its reply', zh: '一次 TCP 请求与应答' },
    params: {
      message: { type: 'choice', default: 'hello, tcp', choices: ['hello, tcp', 'abc xyz', '你好, tcp'], description: { en: 'the line the client sends', zh: '客户端发送的那一行' } },
    },
    servers: { upper: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'upper' } } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'connect', server: 'upper', into: 'c' },
          { op: 'send', conn: ref('c'), data: { concat: [{ param: 'message' }, '\n'] }, all: true },
          { op: 'recv', conn: ref('c'), until: '\n', timeoutMs: 5000, into: 'reply' },
          { op: 'record', name: 'reply', value: ref('reply') },
          { op: 'record', name: 'expected', value: { upper: { param: 'message' } } },
          { op: 'record', name: 'serverPort', value: { port: 'upper' } },
          { op: 'close', conn: ref('c') },
        ],
      },
    ],
    claims: [
      {
        id: 'reply-received',
        text: { en: 'The client receives the upper-cased line', zh: '客户端收到了转成大写的那一行' },
        check: { compare: [{ record: 'reply' }, '==', { record: 'expected' }] },
      },
      {
        id: 'right-ends',
        text: {
          en: 'The client connected to the port the server listens on, over exactly one connection that the server accepted',
          zh: '客户端连接的正是服务器监听的端口，只用了一条连接，且服务器接受了它',
        },
        check: {
          all: [
            { compare: [{ record: 'serverPort' }, '==', { metric: 'server.upper.port' }] },
            { compare: [{ event: { op: 'net.connect' }, pick: 'count' }, '==', { const: 1 }] },
            { compare: [{ metric: 'server.upper.connectionsAccepted' }, '==', { const: 1 }] },
          ],
        },
      },
    ],
  },
};
