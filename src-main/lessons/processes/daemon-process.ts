import { daemonSpec } from '../daemon-spec';
import type { Lesson } from '../../model/lesson';

export const daemonProcess: Lesson = {
  id: 'daemon-process',
  chapter: 'processes',
  title: { en: 'Daemon processes do not keep the program alive', zh: '守护进程拖不住程序：程序照样退出' },
  text: {
    teaches: {
      en: 'A child marked as a daemon is a helper the program does not wait for. When the main program\'s own code is over, ordinary children are still awaited, but a daemon that is still working is stopped where it stands. Here the main program starts a daemon that needs 1.5 s and an ordinary child that needs 0.3 s, then ends at once: the ordinary child gets to finish, the daemon never does.',
      zh: '被标记为守护进程的子进程是程序不去等待的帮手。主程序自己的代码执行完后，普通子进程仍会被等待，而仍在工作的守护进程会被就地停止。这里主程序启动一个需要 1.5 秒的守护进程和一个需要 0.3 秒的普通子进程，然后立刻结束：普通子进程能完成，守护进程永远完成不了。',
    },
    watch: {
      en: 'The main lane ends first, with the mark "main-done". The worker lane carries on and ends with "done". The daemon lane is cut off in the middle of its sleep and ends as "daemon-stopped", without the mark "done".',
      zh: '主泳道最先结束，带有 main-done 标记。worker 泳道继续运行，以 done 标记结束。daemon 泳道在睡眠中途被截断，以 daemon-stopped 结束，没有 done 标记。',
    },
    pythonVsNode: {
      en: 'Python\'s multiprocessing terminates daemon children as soon as the main code finishes, even while ordinary children are still running; a daemon process also may not start children of its own. The lab applies one rule to every actor kind, the one Python uses for threads: daemons are stopped once the main program and every ordinary actor have ended. With the default timings both rules give the same result; with a short daemon (see below) they differ, and Python still kills the daemon. Run with --runtime cpython (or both) and the lesson runs on real multiprocessing: there the daemon is killed the moment the main code ends, and the claim for CPython says it never logs "done", whatever the ordinary child does. Node itself has no daemon flag: a parent that exits simply leaves its children running unless it ends them, which the lab\'s runner does.',
      zh: 'Python 的 multiprocessing 在主程序代码结束时立即终止守护子进程，即使普通子进程还在运行；守护进程也不允许再创建自己的子进程。实验室对所有类型的参与者使用同一条规则，也就是 Python 对线程使用的规则：当主程序和所有普通参与者都结束后，才停止守护者。在默认时长下两条规则结果相同；守护进程较短时（见下文）二者就不同了，Python 仍会杀掉守护进程。用 --runtime cpython（或 both）运行时，本课跑在真正的 multiprocessing 上：主程序代码一结束守护进程就被杀掉，针对 CPython 的论断说它永远不会打印 "done"，无论普通子进程做什么。Node 本身没有守护标志：父进程退出时，除非主动结束子进程，否则它们会继续运行，实验室的运行器会替你结束它们。',
    },
    tryNext: {
      en: 'Set daemonMs=100 and workerMs=800: the daemon now finishes first and logs "done", because on Node the lab lets it live as long as the ordinary child does; on CPython it is still killed at once. Set workerMs=0: everything else ends almost at once and the daemon is stopped right after it started.',
      zh: '设置 daemonMs=100、workerMs=800：守护进程先完成并打印 "done"，因为在 Node 上实验室让它和普通子进程活得一样久；在 CPython 上它仍会被立即杀掉。设置 workerMs=0：其他一切几乎立刻结束，守护进程刚启动就被停止。',
    },
  },
  presets: [
    { id: 'daemon-first', label: { en: 'The daemon finishes first', zh: '守护进程先完成' }, params: { daemonMs: 100, workerMs: 800 } },
    { id: 'no-worker-time', label: { en: 'The other child ends at once', zh: '另一个子进程立即结束' }, params: { workerMs: 0 } },
  ],
  questions: [
    {
      id: 'daemon-finishes',
      kind: 'choice',
      text: {
        en: 'Main starts a daemon child needing 1.5 s and an ordinary child needing 0.3 s, then ends. Does the daemon get to log "done"?',
        zh: '主程序启动一个需要 1.5 秒的守护子进程和一个需要 0.3 秒的普通子进程，然后结束。守护进程能打出 "done" 吗？',
      },
      choices: [
        { id: 'yes', text: { en: 'No: it is stopped first', zh: '不能：它会先被停掉' }, when: '>=0.5' },
        { id: 'no', text: { en: 'Yes: it finishes its work', zh: '能：它会做完' }, when: '<0.5' },
      ],
      answerFrom: { claim: 'daemon-cut-short' },
      why: {
        en: 'The program waits for ordinary children, not for daemons: once the ordinary child is done nothing waits for the daemon, and it is stopped where it stands.',
        zh: '程序会等普通子进程，但不等守护进程：普通子进程一结束，就没有什么再等守护进程了，它在半路被停掉。',
      },
    },
    {
      id: 'worker-awaited',
      kind: 'choice',
      text: { en: 'Does the ordinary child finish its work even though main’s own code has already ended?', zh: '主程序自己的代码已经结束了，普通子进程还能做完它的工作吗？' },
      choices: [{ id: 'yes', text: { en: 'Yes, it is awaited', zh: '能，程序会等它' }, when: '>=0.5' }, { id: 'no', text: { en: 'No, it is cut off too', zh: '不能，它也被掐断' }, when: '<0.5' }],
      answerFrom: { claim: 'worker-awaited' },
      why: { en: 'A program is only over when every ordinary (non-daemon) child has ended.', zh: '只有所有普通（非守护）子进程都结束了，程序才算结束。' },
    },
  ],
  spec: daemonSpec('daemon-process', 'process', { en: 'One daemon child, one ordinary child', zh: '一个守护子进程，一个普通子进程' }),
};
