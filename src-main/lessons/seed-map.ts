import type { SeedTutorial } from '../model/lesson';

/**
 * The five Chinese tutorials the lessons were written from, each section (by its own heading) with
 * what it covers in our words and the lessons that teach it, and where the tutorial is out of date.
 * A test checks that every lesson id named here exists. docs/seed-map.md is the same map as prose.
 */
export const SEED_MAP: readonly SeedTutorial[] = [
  {
    id: 'threads-and-locks',
    title: '第十 线程与锁',
    about: {
      en: 'A long tour of threads: how they differ from processes, starting them, daemon threads, the GIL, locks, deadlock, semaphores, events, queues, timers, pools and coroutines.',
      zh: '一篇很长的线程导览：线程与进程的区别、启动线程、守护线程、GIL、锁、死锁、信号量、事件、队列、定时器、池和协程。',
    },
    sections: [
      { heading: '一、线程与进程区别', about: { en: 'Threads share their process\'s memory; processes each have their own.', zh: '线程共享所在进程的内存，进程各有各的内存。' }, lessons: ['thread-vs-process-ids', 'thread-shared-memory', 'process-isolation'] },
      { heading: '二、开启线程两种方式', about: { en: 'Starting a thread with a target function or by subclassing Thread; the starter does not wait.', zh: '用目标函数或继承 Thread 来启动线程；发起启动的代码不会等待。' }, lessons: ['thread-start'] },
      { heading: '线程与进程pid', about: { en: 'All threads report their process\'s pid; each child process has its own.', zh: '所有线程报告的都是所在进程的 pid，每个子进程都有自己的 pid。' }, lessons: ['thread-vs-process-ids'] },
      { heading: '多线程共享同一进程资源', about: { en: 'A thread\'s write is seen by the main thread; a child process\'s is not.', zh: '线程写入的值主线程看得到，子进程写入的值则看不到。' }, lessons: ['thread-shared-memory', 'process-isolation'] },
      { heading: '多线程共享内存练习', about: { en: 'Three threads in a chain: read input, upper-case it, write it to a file.', zh: '三个线程串成一条流水线：读入、转成大写、写入文件。' }, lessons: ['thread-pipeline'] },
      { heading: '三、Thread对象属性与方法', about: { en: 'Asking about threads: the current one, the live ones, their names and whether one is still running.', zh: '查询线程：当前线程、仍在运行的线程、它们的名字，以及某个线程是否还在运行。' }, lessons: ['thread-introspection'] },
      { heading: '四、守护线程', about: { en: 'Daemon processes and daemon threads: what ends them, and what the main program waits for.', zh: '守护进程与守护线程：它们何时结束，主程序又会等待谁。' }, lessons: ['daemon-thread', 'daemon-process'] },
      { heading: '五、GIL', about: { en: 'The interpreter lock, losing updates without a mutex, and when to choose processes or threads.', zh: '解释器锁、没有互斥锁时丢失的更新，以及何时选进程、何时选线程。' }, lessons: ['gil', 'race-counter', 'cpu-vs-io'] },
      { heading: '死锁与递归锁', about: { en: 'Two threads taking two locks in opposite order wait for each other forever; a re-entrant lock avoids it.', zh: '两个线程以相反顺序获取两把锁，会永远互相等待；可重入锁可以避免。' }, lessons: ['deadlock'] },
      { heading: '六、semaphore', about: { en: 'A semaphore lets a fixed number of threads in at once.', zh: '信号量一次只放固定数量的线程进入。' }, lessons: ['semaphore'] },
      { heading: '七、 Event', about: { en: 'Threads wait for an event that another thread sets, with or without a timeout.', zh: '线程等待另一个线程设置的事件，可以带超时也可以不带。' }, lessons: ['event'] },
      { heading: '八、线程queue', about: { en: 'First in first out, last in first out, and priority queues.', zh: '先进先出、后进先出和优先级队列。' }, lessons: ['queue-orders'] },
      { heading: 'Timer', about: { en: 'Running a function after a delay, and cancelling it before it fires.', zh: '延迟一段时间后运行函数，以及在触发前取消它。' }, lessons: ['timer'] },
      { heading: '九、进程池与线程池', about: { en: 'concurrent.futures executors: submit, result, map and callbacks.', zh: 'concurrent.futures 的执行器：submit、result、map 与回调。' }, lessons: ['pools', 'process-pool-callback'] },
      { heading: '十、协程', about: { en: 'Switching between functions with yield, greenlet and gevent, and a gevent server.', zh: '用 yield、greenlet 和 gevent 在函数之间切换，以及一个 gevent 服务器。' }, lessons: ['generator-switch', 'explicit-switch', 'auto-switch-on-io', 'coroutine-echo-server'] },
    ],
    outdated: [
      {
        heading: '四、守护线程',
        note: {
          en: 'The daemon examples pass target=work() to Process and Thread: that calls work at once, in the parent, and hands its return value (None) as the target. The child then does nothing. Pass the function itself: target=work.',
          zh: '守护进程的示例把 target=work() 传给 Process 和 Thread：这会立刻在父进程里调用 work，再把它的返回值（None）当作 target，子进程其实什么也没做。应该传函数本身：target=work。',
        },
      },
      {
        heading: '九、进程池与线程池',
        note: {
          en: 'It says a thread pool defaults to CPU count × 5 workers. That held only for Python 3.5 to 3.7; since 3.8 the default is min(32, CPU count + 4).',
          zh: '文中说线程池默认有 CPU 数 × 5 个线程。这只适用于 Python 3.5 到 3.7；从 3.8 起默认值是 min(32, CPU 数 + 4)。',
        },
      },
    ],
  },
  {
    id: 'threads-and-pools',
    title: '多线程与线程池',
    about: {
      en: 'A short piece on the GIL, CPU-bound against IO-bound work, a threaded socket server and pools.',
      zh: '一篇短文：GIL、计算密集与 IO 密集、多线程套接字服务器，以及池。',
    },
    sections: [
      { heading: '1,GIL全局解释器锁', about: { en: 'Why CPython threads do not compute in parallel.', zh: '为什么 CPython 的线程不能并行计算。' }, lessons: ['gil'] },
      { heading: '2,GIL与lock 的区别', about: { en: 'The GIL protects the interpreter; your own lock protects your data.', zh: 'GIL 保护的是解释器，自己的锁保护的是自己的数据。' }, lessons: ['gil', 'race-counter'] },
      { heading: '密集型,IO密集型的效率', about: { en: 'Processes win on computing, threads on waiting.', zh: '计算时进程占优，等待时线程占优。' }, lessons: ['cpu-vs-io'] },
      { heading: '多线程实现socket通信', about: { en: 'A TCP server that gives each client a thread.', zh: '为每个客户端开一个线程的 TCP 服务器。' }, lessons: ['threaded-tcp-server'] },
      { heading: '进程池,线程池', about: { en: 'Executors with a fixed number of workers.', zh: '工作者数量固定的执行器。' }, lessons: ['pools'] },
    ],
    outdated: [
      {
        heading: '1,GIL全局解释器锁',
        note: {
          en: 'It lists PyPy among interpreters without a GIL. PyPy has a GIL too; Jython and IronPython have none, and CPython 3.13 and later can be built without one (the lab runs it as cpython-nogil).',
          zh: '文中把 PyPy 列为没有 GIL 的解释器。其实 PyPy 也有 GIL；没有 GIL 的是 Jython 和 IronPython，另外 CPython 3.13 起可以编译成不带 GIL 的版本（实验室称为 cpython-nogil）。',
        },
      },
    ],
  },
  {
    id: 'coroutines-and-io',
    title: '一.协程 / 二.IO多路复用',
    about: {
      en: 'Coroutines with greenlet and gevent, then non-blocking sockets and select.',
      zh: '用 greenlet 和 gevent 实现协程，然后是非阻塞套接字和 select。',
    },
    sections: [
      { heading: '一.协程', about: { en: 'Switching by hand (greenlet) against switching whenever a task would wait (gevent).', zh: '手动切换（greenlet）与任务一等待就自动切换（gevent）的对比。' }, lessons: ['explicit-switch', 'auto-switch-on-io', 'generator-switch'] },
      { heading: '总结:进程,线程,协程', about: { en: 'Who schedules each kind, and which work each suits.', zh: '三者分别由谁调度，各适合什么工作。' }, lessons: ['cpu-vs-io', 'coroutine-echo-server'] },
      { heading: '1.用非阻塞IO模型解决阻塞IO', about: { en: 'A server that polls non-blocking sockets in a loop.', zh: '在循环里轮询非阻塞套接字的服务器。' }, lessons: ['nonblocking-polling'] },
      { heading: '2.基于select的网络IO模型', about: { en: 'One thread serving many sockets through select.', zh: '一个线程通过 select 服务多个套接字。' }, lessons: ['select-server', 'select-vs-epoll'] },
    ],
    outdated: [],
  },
  {
    id: 'processes-and-threads',
    title: '并发编程之多进程 / 并发编程之多线程',
    about: {
      en: 'Processes first (starting, isolation, join, terminate, zombies, daemons, locks, queues, producer and consumer), then the same for threads.',
      zh: '先讲进程（启动、隔离、join、terminate、僵尸进程、守护进程、锁、队列、生产者与消费者），再用同样的方式讲线程。',
    },
    sections: [
      { heading: '#方式一', about: { en: 'Starting a process two ways (方式一, 方式二): a Process with a target function, or a subclass with run().', zh: '启动进程的两种方式（方式一、方式二）：用目标函数创建 Process，或者继承它并实现 run()。' }, lessons: ['process-start'] },
      { heading: '进程之间的内存空间是隔离的', about: { en: 'A child changes its own copy; the parent\'s value stays.', zh: '子进程改的是自己的副本，父进程的值不变。' }, lessons: ['process-isolation'] },
      { heading: 'Process对象的join()方法', about: { en: 'Waiting for children one by one or all together.', zh: '逐个等待子进程，或者让它们同时运行再一起等待。' }, lessons: ['process-join'] },
      { heading: 'Process对象的其他方法或属性', about: { en: 'pid, ppid, name, is_alive and terminate.', zh: 'pid、ppid、name、is_alive 与 terminate。' }, lessons: ['process-lifecycle'] },
      { heading: '僵尸进程', about: { en: 'A child that has ended but not been reaped, and one whose parent is gone.', zh: '已经结束但未被回收的子进程，以及父进程已不在的子进程。' }, lessons: ['zombie-orphan'] },
      { heading: '守护进程', about: { en: 'A daemon child ends when the main program\'s code ends.', zh: '主程序的代码执行完，守护子进程就随之结束。' }, lessons: ['daemon-process'] },
      { heading: '互斥锁', about: { en: 'Buyers racing for tickets, with and without a lock.', zh: '多个买家抢票，加锁与不加锁的对比。' }, lessons: ['ticket-race'] },
      { heading: '队列', about: { en: 'A bounded queue between processes: put and get, blocking or not, with timeouts.', zh: '进程间的有界队列：put 与 get，阻塞或不阻塞，以及超时。' }, lessons: ['ipc-queue'] },
      { heading: '生产者消费者模型', about: { en: 'Producers and consumers joined by a queue, and how they learn the work is done.', zh: '用队列连接生产者和消费者，以及消费者如何得知工作已完成。' }, lessons: ['producer-consumer'] },
      { heading: '开启线程的两种方式', about: { en: 'The same two ways, for threads.', zh: '同样的两种方式，用在线程上。' }, lessons: ['thread-start'] },
      { heading: '线程相关的其他方法', about: { en: 'Naming threads, listing the live ones, counting them.', zh: '给线程命名、列出仍在运行的线程、统计数量。' }, lessons: ['thread-introspection'] },
      { heading: '守护线程', about: { en: 'A daemon thread ends when only daemons are left.', zh: '只剩守护线程时，守护线程随之结束。' }, lessons: ['daemon-thread'] },
    ],
    outdated: [
      {
        heading: '线程相关的其他方法',
        note: {
          en: 'It uses isAlive(), getName(), setDaemon(), currentThread() and activeCount(). isAlive() was removed in Python 3.9 and the others are deprecated: use is_alive(), .name, .daemon = True, current_thread() and active_count().',
          zh: '文中用的是 isAlive()、getName()、setDaemon()、currentThread() 和 activeCount()。isAlive() 在 Python 3.9 中已被移除，其余的也已弃用：请改用 is_alive()、.name、.daemon = True、current_thread() 和 active_count()。',
        },
      },
    ],
  },
  {
    id: 'sockets',
    title: 'socket / IO多路复用 / SocketServer 模块 / 三、threading问答',
    about: {
      en: 'Sockets from the first server to select, poll and epoll, SocketServer, a file upload, then threads and processes again.',
      zh: '从第一个套接字服务器讲到 select、poll 和 epoll，再到 SocketServer、文件上传，最后又回到线程和进程。',
    },
    sections: [
      { heading: 'socket和file的区别', about: { en: 'A server and a client exchanging one message over TCP.', zh: '服务器和客户端通过 TCP 交换一条消息。' }, lessons: ['tcp-basics'] },
      { heading: 'WEB服务应用', about: { en: 'A web server written by hand on a raw socket, and the charset that avoids garbled Chinese.', zh: '在原始套接字上手写的 Web 服务器，以及避免中文乱码的字符集。' }, lessons: ['http-hello'] },
      { heading: '更多功能', about: { en: 'Socket families and types (TCP and UDP), timeouts, blocking, the listen backlog.', zh: '套接字的地址族与类型（TCP 与 UDP）、超时、阻塞、监听队列。' }, lessons: ['udp-basics', 'socket-options'] },
      { heading: '实例只能机器人', about: { en: 'A robot example (the heading\'s 只能 stands for 智能): a 10086-style phone menu over TCP: a server that remembers where each caller is.', zh: '机器人实例（标题中的“只能”应为“智能”）：仿 10086 的 TCP 电话菜单：记得每个来电者进行到哪一步的服务器。' }, lessons: ['ivr-bot'] },
      { heading: 'IO多路复用', about: { en: 'select, poll and epoll compared: descriptor limits, scanning cost, level and edge triggering.', zh: '比较 select、poll 与 epoll：描述符上限、扫描开销、水平触发与边缘触发。' }, lessons: ['select-server', 'select-vs-epoll', 'select-limit', 'edge-vs-level', 'nonblocking-polling'] },
      { heading: 'SocketServer 模块', about: { en: 'ThreadingTCPServer, and the select-plus-threads loop inside it; other server models compared.', zh: 'ThreadingTCPServer，以及它内部“select 加线程”的循环；与其他服务器模型的对比。' }, lessons: ['threading-tcp-server', 'server-models'] },
      { heading: 'FTP上传文件', about: { en: 'Uploading a file in chunks, and keeping the header apart from the data (sticky packets).', zh: '分块上传文件，以及让文件头与数据分开（粘包）。' }, lessons: ['file-upload', 'sticky-packets'] },
      { heading: '三、threading问答', about: { en: 'Threads again: starting them, locks, events; then processes sharing data and a process pool with callbacks.', zh: '再讲线程：启动、锁、事件；然后是进程间共享数据，以及带回调的进程池。' }, lessons: ['thread-start', 'race-counter', 'event', 'process-shared-data', 'shared-value-array', 'process-pool-callback'] },
    ],
    outdated: [
      {
        heading: 'socket和file的区别',
        note: {
          en: 'All of its code is Python 2: print statements, raw_input, the SocketServer module, str sent on sockets. In Python 3 it is socketserver, input, print(), and sockets send bytes (encode the text first).',
          zh: '文中的代码全是 Python 2：print 语句、raw_input、SocketServer 模块、直接在套接字上发送 str。在 Python 3 中应为 socketserver、input、print()，套接字发送的是 bytes（先把文本编码）。',
        },
      },
      {
        heading: 'IO多路复用',
        note: {
          en: 'It says epoll shares memory with the kernel through mmap to avoid copying descriptors. It does not: the kernel keeps the registered descriptors (epoll_ctl) and epoll_wait copies out only the ready ones. The saving comes from registering once, not from mmap.',
          zh: '文中说 epoll 通过 mmap 与内核共享内存，从而省去复制描述符。事实并非如此：内核保存已注册的描述符（epoll_ctl），epoll_wait 只把就绪的那些复制出来。省下的开销来自只注册一次，而不是 mmap。',
        },
      },
    ],
  },
];

/** Every lesson id the map names, once each, in the order they first appear. */
export function seedMapLessonIds(map: readonly SeedTutorial[] = SEED_MAP): string[] {
  return [...new Set(map.flatMap((tutorial) => tutorial.sections.flatMap((section) => section.lessons)))];
}
