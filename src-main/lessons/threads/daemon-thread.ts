import { daemonSpec } from '../daemon-spec';
import type { Lesson } from '../../model/lesson';

export const daemonThread: Lesson = {
  id: 'daemon-thread',
  chapter: 'threads',
  title: { en: 'Daemon threads die with the program', zh: '守护线程随程序一起结束' },
  text: {
    teaches: {
      en: 'A program is not over when its main code ends: it still waits for every ordinary thread. A daemon thread is not waited for; once nothing but daemons is left, the program ends and takes them with it, wherever they are. Main starts a daemon needing 1.5 s and an ordinary thread needing 0.3 s, then ends: the ordinary thread finishes, and the daemon is cut off as soon as the ordinary one is done.',
      zh: '主代码执行完并不等于程序结束：程序还要等所有普通线程。守护线程则不被等待；一旦只剩守护线程，程序就结束，并把它们一起带走，不管它们正在做什么。主程序启动一个需要 1.5 秒的守护线程和一个需要 0.3 秒的普通线程，然后结束：普通线程做完了，守护线程在普通线程完成的那一刻被截断。',
    },
    watch: {
      en: 'The main lane ends first. The worker lane ends with the mark "done", and at that very moment the daemon lane is cut off in its sleep ("daemon-stopped"), with no "done" mark.',
      zh: '主泳道最先结束。worker 泳道以 done 标记结束，就在那一刻，daemon 泳道在睡眠中被截断（daemon-stopped），没有 done 标记。',
    },
    pythonVsNode: {
      en: 'Here Python and the lab follow the same rule: daemon threads run until only daemons remain, then the interpreter exits without waiting for them. Python simply abandons them at exit; the lab terminates their workers, which Node allows (Python cannot stop a thread from outside at all). In plain Node, a worker keeps the process alive unless you call worker.unref(), which is Node\'s closest thing to a daemon flag.',
      zh: '在这里 Python 和实验室遵循同一条规则：守护线程一直运行到只剩守护线程为止，随后解释器退出，不再等它们。Python 在退出时直接丢下它们；实验室则终止它们的 worker，这是 Node 允许的（Python 根本无法从外部停止一个线程）。在普通 Node 程序中，只要 worker 还在，进程就不会退出，除非调用 worker.unref()，这是 Node 中最接近守护标志的东西。',
    },
    tryNext: {
      en: 'Set daemonMs=100 and workerMs=800: the daemon finishes long before the program ends and logs "done". Set workerMs=0: the daemon is stopped almost as soon as it starts.',
      zh: '设置 daemonMs=100、workerMs=800：守护线程在程序结束前早早完成并打印 "done"。设置 workerMs=0：守护线程几乎一启动就被停止。',
    },
  },
  presets: [
    { id: 'daemon-first', label: { en: 'The daemon finishes first', zh: '守护线程先完成' }, params: { daemonMs: 100, workerMs: 800 } },
    { id: 'no-worker-time', label: { en: 'The worker ends at once', zh: '工作线程立即结束' }, params: { workerMs: 0 } },
  ],
  questions: [
    {
      id: 'daemon-finishes',
      kind: 'choice',
      text: {
        en: 'Main starts a daemon thread needing 1.5 s and an ordinary thread needing 0.3 s, then ends. Does the daemon get to log "done"?',
        zh: '主程序启动一个需要 1.5 秒的守护线程和一个需要 0.3 秒的普通线程，然后结束。守护线程能打出 "done" 吗？',
      },
      choices: [
        { id: 'yes', text: { en: 'No: it dies with the program', zh: '不能：它随程序一起结束' }, when: '>=0.5' },
        { id: 'no', text: { en: 'Yes: it finishes its work', zh: '能：它会做完' }, when: '<0.5' },
      ],
      answerFrom: { claim: 'daemon-cut-short' },
      why: { en: 'The program waits for ordinary threads only. Once nothing but daemons is left, it ends and takes them with it.', zh: '程序只等普通线程。一旦只剩守护线程，程序就结束，并把它们一起带走。' },
    },
    {
      id: 'worker-awaited',
      kind: 'choice',
      text: { en: 'Does the ordinary thread finish its work after main’s code has ended?', zh: 'main 的代码结束后，普通线程还能做完它的工作吗？' },
      choices: [{ id: 'yes', text: { en: 'Yes, it is awaited', zh: '能，程序会等它' }, when: '>=0.5' }, { id: 'no', text: { en: 'No, it is cut off too', zh: '不能，也被掐断' }, when: '<0.5' }],
      answerFrom: { claim: 'worker-awaited' },
      why: { en: 'Ordinary threads keep the program alive until they end.', zh: '普通线程会让程序一直活到它们结束。' },
    },
  ],
  spec: daemonSpec('daemon-thread', 'thread', { en: 'One daemon thread, one ordinary thread', zh: '一个守护线程，一个普通线程' }),
};
