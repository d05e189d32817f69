import type { Lesson } from '../../model/lesson';
import type { AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });

export const fileUpload: Lesson = {
  id: 'file-upload',
  chapter: 'sockets',
  title: { en: 'Uploading a file in chunks', zh: '分块上传文件' },
  text: {
    teaches: {
      en: 'To upload a file the client first sends a header "name|size", then the bytes in chunks; the server reads exactly size bytes, stores them and answers with the size and SHA-256 it computed. A single send may accept only part of a big buffer: the socket\'s send buffer is full and the rest has to wait. sendall loops until everything is out; in Node, write() returns false and the sender must wait for the "drain" event before writing more. That wait is back-pressure: the receiver sets the pace.',
      zh: '上传文件时，客户端先发送头部“文件名|大小”，再分块发送字节；服务器恰好读取“大小”个字节，保存下来，并用它算出的大小和 SHA-256 作答。一次 send 可能只接受大缓冲区的一部分：套接字的发送缓冲区已满，剩下的必须等待。sendall 会循环直到全部发出；在 Node 里，write() 返回 false，发送方必须等待“drain”事件才能继续写。这种等待就是背压：由接收方决定速度。',
    },
    watch: {
      en: 'net.progress marks every tenth of the file. net.write marks with accepted=false are writes the socket could not take at once, each followed by a net.drain mark with how long the sender waited.',
      zh: 'net.progress 每完成十分之一标记一次。accepted=false 的 net.write 标记是套接字无法立即接收的写入，每个之后都有一个 net.drain 标记，说明发送方等待了多久。',
    },
    pythonVsNode: {
      en: 'Python\'s socket.send() returns how many bytes it took and may take fewer than offered; sendall() hides the loop. Node\'s socket.write() always queues the whole buffer in memory and signals "too much" with its return value, so ignoring it does not lose data but can grow memory without bound. Both are the same kernel buffer filling up.',
      zh: 'Python 的 socket.send() 返回它接收了多少字节，可能少于提供的数量；sendall() 把循环隐藏了起来。Node 的 socket.write() 总是把整个缓冲区排进内存队列，并用返回值表示“太多了”，所以忽略它不会丢数据，却可能让内存无限增长。两者背后都是同一个内核缓冲区被填满。',
    },
    tryNext: {
      en: 'Set chunkBytes=16384: many more writes, and most of them accepted at once. Set mb=64: the transfer takes longer and the drain waits add up, but the checksum still matches.',
      zh: '设置 chunkBytes=16384：写入次数多得多，且大多数能立即被接受。设置 mb=64：传输更久，drain 等待累积起来，但校验和依然一致。',
    },
  },
  presets: [
    { id: 'small-chunks', label: { en: '16 KB chunks', zh: '16 KB 的块' }, params: { chunkBytes: 16384 } },
    { id: 'sixty-four-mb', label: { en: '64 MB', zh: '64 MB' }, params: { mb: 64 } },
  ],
  questions: [
    {
      id: 'verified',
      kind: 'choice',
      text: { en: 'A 32 MB file is sent in two 16 MB writes. Does every byte arrive, with a matching SHA-256?', zh: '一个 32 MB 的文件分两次、每次 16 MB 写出。每个字节都到了吗，SHA-256 对得上吗？' },
      choices: [{ id: 'yes', text: { en: 'Yes', zh: '是' }, when: '>=0.5' }, { id: 'no', text: { en: 'No, some bytes are lost', zh: '不，丢了一些字节' }, when: '<0.5' }],
      answerFrom: { record: 'verified' },
      why: { en: 'TCP delivers every byte in order; the receiver reads exactly size bytes and checks the hash.', zh: 'TCP 按顺序送达每个字节；接收方恰好读取 size 个字节，并核对哈希。' },
    },
    {
      id: 'refused',
      kind: 'choice',
      text: { en: 'Is any write refused at once because the send buffer is full?', zh: '有没有哪次写入因为发送缓冲区满了而当场被拒？' },
      choices: [
        { id: 'some', text: { en: 'Yes: the sender has to wait for drain', zh: '有：发送方得等 drain' }, when: '>=1' },
        { id: 'none', text: { en: 'No, every write is taken at once', zh: '没有，每次写入都立刻被接受' }, when: '<1' },
      ],
      answerFrom: { record: 'refusedWrites' },
      why: {
        en: 'A 16 MB write is larger than the socket’s send buffer (on Linux at most 4 MB): write() takes part of it and the sender waits for the buffer to drain (sendall does this loop for you).',
        zh: '16 MB 的写入比套接字的发送缓冲区大（Linux 上最多 4 MB）：write() 只收下一部分，发送方要等缓冲区腾空（sendall 替你做了这个循环）。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'file-upload',
    title: { en: 'A multi-megabyte upload, verified', zh: '经过校验的多兆字节上传' },
    params: {
      mb: { type: 'integer', default: 32, min: 1, max: 256, description: { en: 'file size in MB', zh: '文件大小（MB）' } },
      chunkBytes: { type: 'integer', default: 16777216, min: 1024, max: 16777216, description: { en: 'bytes per write', zh: '每次写入的字节数' } },
    },
    servers: { files: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'file-receive' } } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'send_file', server: 'files', mb: { param: 'mb' }, chunkBytes: { param: 'chunkBytes' }, into: 'r' },
          { op: 'record', name: 'verified', value: { at: [ref('r'), 'verified'] } },
          { op: 'record', name: 'sha256', value: { at: [ref('r'), 'sha256'] } },
          { op: 'record', name: 'refusedWrites', value: { at: [ref('r'), 'refusedWrites'] } },
          { op: 'record', name: 'drainWaitMs', value: { at: [ref('r'), 'drainWaitMs'] } },
        ],
      },
    ],
    claims: [
      {
        id: 'bytes-and-hash-match',
        text: { en: 'The server received every byte, and its SHA-256 matches the file\'s', zh: '服务器收到了每一个字节，其 SHA-256 与文件的一致' },
        check: { compare: [{ record: 'verified' }, '==', { const: true }] },
      },
      {
        id: 'backpressure-visible',
        text: {
          en: 'With writes of 8 MB or more (twice the largest send buffer Linux gives a socket) and a file of 16 MB or more, some writes are refused at once and the sender waits for drain: partial writes show in the trace',
          zh: '每次写入不小于 8 MB（Linux 给一个套接字的最大发送缓冲区的两倍）、文件不小于 16 MB 时，有些写入不能立即被接受，发送方要等待 drain：轨迹中可以看到部分写入',
        },
        // A smaller write can be taken whole: on loopback the kernel holds up to 4 MB of send buffer plus a receive buffer that
        // grows to tens of MB (tcp_rmem) while the receiver keeps pace, so 4 MB writes of a 16 MB file were all accepted once.
        when: { all: [{ compare: [{ param: 'chunkBytes' }, '>=', 8388608] }, { compare: [{ param: 'mb' }, '>=', 16] }] },
        check: {
          all: [
            { compare: [{ record: 'refusedWrites' }, '>=', { const: 1 }] },
            { compare: [{ event: { op: 'net.drain' }, pick: 'count' }, '>=', { const: 1 }] },
          ],
        },
      },
    ],
  },
};
