import type { Lesson } from '../../model/lesson';
import type { AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });
const MODES = ['naive', 'acknowledge', 'length-prefix'] as const;
const key = (mode: string) => mode.replace('-p', 'P');

export const stickyPackets: Lesson = {
  id: 'sticky-packets',
  chapter: 'sockets',
  title: { en: 'Sticky packets: TCP is a stream, not messages', zh: '粘包：TCP 是字节流，不是消息' },
  text: {
    teaches: {
      en: 'TCP delivers a stream of bytes and keeps no record of where one send ended and the next began. A sender that writes a header "name|size" and then the file data right after it may have both arrive in a single read, so a receiver that treats its first recv(1024) as "the header" reads part of the data as the size. Two fixes: the receiver acknowledges the header before the sender sends any data (so the header travels alone), or every message is prefixed with its length, so the receiver knows exactly where it ends.',
      zh: 'TCP 传送的是字节流，不会记住一次 send 在哪里结束、下一次从哪里开始。发送方先写出头部“文件名|大小”，紧接着写出文件数据，两者可能在一次读取中一起到达；把第一次 recv(1024) 当作“头部”的接收方就会把一部分数据当成大小来读。两种修正：接收方先确认收到头部，发送方再发数据（头部因此单独传输）；或者每条消息前面都加上它的长度，接收方就确切知道它在哪里结束。',
    },
    watch: {
      en: 'The naive run\'s result shows headerSeen holding the header and the file text glued together, and a problem explaining the misread size. The acknowledge run shows an extra round trip (net.ack); the length-prefix run reads two messages even though both left in one write.',
      zh: '朴素方式的结果里，headerSeen 中头部和文件内容粘在了一起，problem 说明了大小为何读错。确认方式多了一次往返（net.ack）；长度前缀方式即使两条消息在一次写入中发出，也能读出两条独立的消息。',
    },
    pythonVsNode: {
      en: 'In Python the merge depends on timing (Nagle\'s algorithm, how fast the receiver calls recv), so the bug appears only sometimes. The lab makes it certain: the naive sender corks the socket so header and data leave in one segment. Python programs usually frame with struct.pack(\'i\', len); the lab uses a 4-byte big-endian length, which is the same idea.',
      zh: '在 Python 中，是否粘包取决于时机（Nagle 算法、接收方调用 recv 的快慢），所以这个错误只是偶尔出现。实验室让它必然发生：朴素发送方先 cork 套接字，让头部和数据在同一个报文段里发出。Python 程序通常用 struct.pack(\'i\', len) 加帧；实验室使用 4 字节大端长度，思路相同。',
    },
    tryNext: {
      en: 'Think about why acknowledging costs one round trip per file while the length prefix costs four bytes per message: on a slow network with many small messages the prefix wins. Open the trace of the acknowledge run and find the ack events.',
      zh: '想一想：为什么确认方式每个文件要多花一次往返，而长度前缀每条消息只多花四个字节？在慢速网络上发送大量小消息时，长度前缀更划算。打开确认方式那次运行的轨迹，找到 ack 事件。',
    },
  },
  questions: [
    {
      id: 'naive',
      kind: 'choice',
      text: {
        en: 'The sender writes a header "name|size", then the file right after it. Does a receiver that takes its first recv(1024) as the header read it correctly?',
        zh: '发送方先写头部 "name|size"，紧接着写文件内容。把第一次 recv(1024) 当作头部的接收方，能正确读出头部吗？',
      },
      choices: [
        { id: 'yes', text: { en: 'Yes', zh: '能' }, when: '>=0.5' },
        { id: 'no', text: { en: 'No: header and data arrive stuck together', zh: '不能：头部和数据粘在一起到达' }, when: '<0.5' },
      ],
      answerFrom: { record: 'naiveCorrect' },
      why: {
        en: 'TCP is a stream of bytes and keeps no record of where one send ended: both sends can arrive in one read. Acknowledging the header, or prefixing each message with its length, fixes it.',
        zh: 'TCP 是字节流，不记录一次 send 在哪里结束：两次发送可能在一次读取里一起到达。先确认头部，或在每条消息前加上长度，都能解决。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'sticky-packets',
    title: { en: 'A header and data, three ways', zh: '头部加数据的三种收法' },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: MODES.flatMap((mode) => [
          { op: 'sticky_demo', mode, into: key(mode) },
          { op: 'record', name: `${key(mode)}Correct`, value: { at: [ref(key(mode)), 'correct'] } },
          { op: 'record', name: `${key(mode)}Header`, value: { at: [ref(key(mode)), 'headerSeen'] } },
          { op: 'record', name: `${key(mode)}Problem`, value: { at: [ref(key(mode)), 'problem'] } },
        ]),
      },
    ],
    claims: [
      {
        id: 'naive-misreads',
        text: {
          en: 'The naive receiver misreads the header: its first read holds header and data stuck together',
          zh: '朴素接收方读错了头部：它的第一次读取中头部和数据粘在一起',
        },
        check: { compare: [{ record: 'naiveCorrect' }, '==', { const: false }] },
      },
      {
        id: 'fixes-correct',
        text: {
          en: 'Acknowledging the header, and prefixing each message with its length, both get the name, size and data right',
          zh: '确认头部、给每条消息加长度前缀，这两种方法都正确得到了文件名、大小和数据',
        },
        check: {
          all: [
            { compare: [{ record: 'acknowledgeCorrect' }, '==', { const: true }] },
            { compare: [{ record: 'lengthPrefixCorrect' }, '==', { const: true }] },
          ],
        },
      },
    ],
  },
};
