import type { Lesson } from '../../model/lesson';
import type { AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });
const PAGE_TEXT = '你好，世界！Hello, world. Ünïcödé ✓';

export const httpHello: Lesson = {
  id: 'http-hello',
  chapter: 'sockets',
  title: { en: 'A web server is a TCP server that speaks HTTP', zh: 'Web 服务器就是按 HTTP 格式收发文本的 TCP 服务器' },
  text: {
    teaches: {
      en: 'HTTP is text over a TCP connection: the client writes a request line and headers, the server answers with a status line, headers, a blank line and the body. The body is bytes; the Content-Type header must say which character set they are in, or the browser guesses and Chinese text turns into mojibake. The lab\'s server writes the response by hand on a raw socket and declares charset=utf-8; a real HTTP client fetches it.',
      zh: 'HTTP 就是 TCP 连接上的文本：客户端写出请求行和请求头，服务器回复状态行、响应头、一个空行和正文。正文是字节；Content-Type 响应头必须说明它用的是哪种字符集，否则浏览器只能去猜，中文就会变成乱码。实验室的服务器在原始套接字上手工写出响应，并声明 charset=utf-8；一个真正的 HTTP 客户端来获取它。',
    },
    watch: {
      en: 'The http_get step ends with the status and the charset the client parsed from Content-Type. The recorded body contains Chinese and accented characters exactly as the server was given them.',
      zh: 'http_get 步骤结束时带有状态码，以及客户端从 Content-Type 中解析出的字符集。记录下来的正文里的中文和带重音的字符与服务器拿到的完全一致。',
    },
    pythonVsNode: {
      en: 'The Python version builds the response string itself and encodes it before send(); forgetting the charset is the classic bug. Node has an http module that writes these headers for you, but the lab\'s server deliberately writes the bytes itself so the protocol stays visible. Both must count the body in bytes, not characters, for Content-Length.',
      zh: 'Python 版本自己拼出响应字符串，编码后再 send()；忘记声明字符集是典型错误。Node 自带 http 模块可以代写这些响应头，但实验室的服务器特意自己写出字节，让协议保持可见。两者在 Content-Length 里都必须按字节而不是按字符计算正文长度。',
    },
    tryNext: {
      en: 'Open the run\'s recorded values and compare Content-Length with the number of characters in the body: it is larger, because each Chinese character is three bytes in UTF-8. Run it on CPython as well: the bytes on the wire are the same.',
      zh: '打开这次运行的记录，把 Content-Length 和正文的字符数比一比：前者更大，因为在 UTF-8 里每个汉字占三个字节。再用 CPython 运行一次：线路上的字节完全相同。',
    },
  },
  questions: [
    {
      id: 'status',
      kind: 'number',
      text: { en: 'The browser-like client asks the hand-written web server for its page. What status code comes back?', zh: '类似浏览器的客户端向手写的 Web 服务器请求页面。返回的状态码是多少？' },
      min: 0,
      max: 999,
      answerFrom: { record: 'status' },
      tolerance: { absolute: 0 },
      why: {
        en: '200 OK: the server writes the status line, headers, a blank line and the body by hand on a raw TCP socket.',
        zh: '200 OK：服务器在一个原始 TCP 套接字上亲手写出状态行、头部、空行和正文。',
      },
    },
    {
      id: 'charset',
      kind: 'choice',
      text: { en: 'Which character set does the response declare?', zh: '响应声明的字符集是什么？' },
      choices: [
        { id: 'utf-8', text: { en: 'utf-8', zh: 'utf-8' }, is: 'utf-8' },
        { id: 'gbk', text: { en: 'gbk', zh: 'gbk' }, is: 'gbk' },
        { id: 'latin-1', text: { en: 'iso-8859-1', zh: 'iso-8859-1' }, is: 'iso-8859-1' },
      ],
      answerFrom: { record: 'charset' },
      why: {
        en: 'The body is bytes: Content-Type must say they are UTF-8, or the browser guesses and Chinese text turns into mojibake.',
        zh: '正文是字节：Content-Type 必须声明它们是 UTF-8，否则浏览器会去猜，中文就变成乱码。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'http-hello',
    title: { en: 'Hello over HTTP, with the charset declared', zh: '通过 HTTP 问好，并声明字符集' },
    servers: { web: { protocol: 'http', model: 'event-loop', handler: { kind: 'hello', text: PAGE_TEXT } } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'http_get', server: 'web', path: '/', into: 'page' },
          { op: 'record', name: 'status', value: { at: [ref('page'), 'status'] } },
          { op: 'record', name: 'charset', value: { at: [ref('page'), 'charset'] } },
          { op: 'record', name: 'contentType', value: { at: [ref('page'), 'contentType'] } },
          { op: 'record', name: 'body', value: { at: [ref('page'), 'text'] } },
        ],
      },
    ],
    claims: [
      {
        id: 'ok',
        text: { en: 'The server answers 200 OK', zh: '服务器返回 200 OK' },
        check: { compare: [{ record: 'status' }, '==', { const: 200 }] },
      },
      {
        id: 'charset-declared',
        text: { en: 'The response declares its charset: utf-8', zh: '响应声明了字符集：utf-8' },
        check: { compare: [{ record: 'charset' }, '==', { const: 'utf-8' }] },
      },
      {
        id: 'text-intact',
        text: { en: 'The body, Chinese and accented characters included, arrives exactly as written', zh: '正文（包括中文和带重音的字符）完全按原样到达' },
        check: { compare: [{ record: 'body' }, '==', { const: PAGE_TEXT }] },
      },
    ],
  },
};
