import type { Lesson } from '../../model/lesson';
import type { AuthoredStep, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });
const DATAGRAMS = ['first', 'a second, longer datagram', '第三个'];

export const udpBasics: Lesson = {
  id: 'udp-basics',
  chapter: 'sockets',
  title: { en: 'UDP: datagrams keep their boundaries', zh: 'UDP：数据报保留各自的边界' },
  text: {
    teaches: {
      en: 'UDP has no connection: the client simply sends a datagram to an address with sendto, and the server answers to whatever address the datagram came from (recvfrom tells it). Each datagram is delivered whole or not at all, and one receive returns exactly one datagram, never half of one and never two glued together. Three datagrams sent back to back come back as three separate replies.',
      zh: 'UDP 没有连接：客户端直接用 sendto 把数据报发往一个地址，服务器则回复给数据报的来源地址（recvfrom 会告诉它）。每个数据报要么完整送达，要么完全丢失；一次接收恰好得到一个数据报，不会只有半个，也不会两个粘在一起。连续发出的三个数据报会作为三个独立的应答返回。',
    },
    watch: {
      en: 'Three sendto marks, then three recvfrom spans, each with the size of one datagram and the server\'s address as "from". There is no connect and no close.',
      zh: '先是三个 sendto 标记，然后是三个 recvfrom 区间，每个都是一个数据报的大小，“from”是服务器地址。没有 connect，也没有 close。',
    },
    pythonVsNode: {
      en: 'Python: socket(AF_INET, SOCK_DGRAM), sendto(data, addr), recvfrom(bufsize). Node: dgram.createSocket(\'udp4\'), socket.send(data, port, host), and a \'message\' event per datagram with rinfo as the sender. Nothing retries a lost datagram, and loss is not only a matter of the network: when the receiver\'s buffer is full, the kernel drops further datagrams, even on loopback. Here three small datagrams fit easily; a sender that outpaces its receiver would lose some on this very machine, and across a real network datagrams may also arrive out of order.',
      zh: 'Python：socket(AF_INET, SOCK_DGRAM)、sendto(data, addr)、recvfrom(bufsize)。Node：dgram.createSocket(\'udp4\')、socket.send(data, port, host)，每个数据报触发一次 \'message\' 事件，rinfo 表示发送方。丢失的数据报没有任何重传，而且丢包不只发生在网络上：接收方的缓冲区满了，内核就会丢弃后来的数据报，回环地址上也一样。这里三个小数据报很容易装下；如果发送方发得比接收方读得快，在同一台机器上也会丢包。在真实网络中，数据报还可能乱序到达。',
    },
    tryNext: {
      en: 'Run the sticky-packets lesson next: there a header and the data sent right after it go over TCP, which keeps no boundaries, and can arrive merged into one read. Run this lesson on CPython as well: the replies and their sizes are the same, because the boundaries belong to UDP, not to the language.',
      zh: '接着运行“粘包”一课：头部和紧随其后的数据走的是 TCP，没有边界，可能在一次读取中合并到达。再用 CPython 运行本课：应答和它们的大小都一样，因为边界属于 UDP，与语言无关。',
    },
  },
  questions: [
    {
      id: 'requests',
      kind: 'number',
      text: { en: 'Three datagrams are sent back to back. How many requests does the UDP server handle?', zh: '连续发出三个数据报。UDP 服务器处理了几个请求？' },
      min: 0,
      max: 10000,
      answerFrom: { metric: 'server.dgram.requests' },
      tolerance: { absolute: 0 },
      why: { en: 'UDP keeps message boundaries: one datagram is one request, so 3, with no connection at all.', zh: 'UDP 保留消息边界：一个数据报就是一个请求，所以是 3 个，而且根本没有连接。' },
    },
    {
      id: 'whole',
      kind: 'choice',
      text: { en: 'Do the three replies come back whole and separate?', zh: '三个回复是各自完整、彼此分开地回来的吗？' },
      choices: [
        { id: 'yes', text: { en: 'Yes, three separate replies', zh: '是，三个独立的回复' }, when: '>=0.5' },
        { id: 'no', text: { en: 'No, merged or split', zh: '不是，被合并或拆开了' }, when: '<0.5' },
      ],
      answerFrom: { claim: 'whole-and-separate' },
      why: {
        en: 'One receive returns exactly one datagram, never half of one and never two glued together (unlike a TCP stream).',
        zh: '一次接收恰好返回一个数据报，不会只有半个，也不会两个粘在一起（和 TCP 字节流不同）。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'udp-basics',
    title: { en: 'Three datagrams, three replies', zh: '三个数据报，三个应答' },
    servers: { dgram: { protocol: 'udp', model: 'event-loop', handler: { kind: 'echo' } } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          ...DATAGRAMS.map((data): AuthoredStep => ({ op: 'sendto', server: 'dgram', data })),
          ...DATAGRAMS.map((_, i): AuthoredStep => ({ op: 'recvfrom', timeoutMs: 5000, into: `d${i}` })),
          ...DATAGRAMS.map((_, i): AuthoredStep => ({ op: 'record', name: `reply${i}`, value: ref(`d${i}`) })),
          { op: 'record', name: 'replies', value: { concat: [ref('d0'), '|', ref('d1'), '|', ref('d2')] } },
        ],
      },
    ],
    claims: [
      {
        id: 'whole-and-separate',
        text: {
          en: 'Each datagram comes back whole and on its own: three receives return exactly the three messages sent, none merged or split',
          zh: '每个数据报都完整、独立地返回：三次接收恰好得到发出的三条消息，没有合并也没有拆分',
        },
        check: { compare: [{ record: 'replies' }, '==', { const: DATAGRAMS.join('|') }] },
      },
      {
        id: 'server-counted',
        text: { en: 'The server handled three requests and no connection', zh: '服务器处理了三个请求，没有任何连接' },
        check: {
          all: [
            { compare: [{ metric: 'server.dgram.requests' }, '==', { const: 3 }] },
            { compare: [{ event: { op: 'connect' }, pick: 'count' }, '==', { const: 0 }] },
          ],
        },
      },
    ],
  },
};
