import type { LocalizedText } from '../model/run-model';
import type { AuthoredClaim, AuthoredQuantity, AuthoredSpec, AuthoredStep } from '../model/spec-schema';

/**
 * The experiment shared by daemon-process and daemon-thread: one daemon and one ordinary child,
 * started by a main program that ends at once. Only the actor kind differs between the two lessons.
 */

const child = (who: string, sleepParam: string): AuthoredStep[] => [
  { op: 'log', message: `${who}: running` },
  { op: 'sleep', ms: { param: sleepParam } },
  { op: 'mark', name: 'done' },
  { op: 'log', message: `${who}: done` },
];

const doneCount = (actor: string): AuthoredQuantity => ({ event: { op: 'mark', name: 'done', actor }, pick: 'count' });

/**
 * CPython's multiprocessing terminates daemon children when the main code ends, even while ordinary
 * children still run: a daemon that needs at least 100 ms never gets to log, however short the worker.
 */
const cpythonDaemonProcessClaim: AuthoredClaim = {
  id: 'daemon-killed-when-main-ends',
  text: {
    en: 'On CPython a daemon process is killed as soon as the main code ends, while the ordinary child still runs: it never logs "done", however long the ordinary child works',
    zh: '在 CPython 上，主程序代码一结束守护进程就被杀掉，而普通子进程还在运行：无论普通子进程工作多久，守护进程都不会打印 "done"',
  },
  requires: { runtime: 'cpython' },
  when: { compare: [{ param: 'daemonMs' }, '>=', 100] },
  check: {
    all: [
      { compare: [doneCount('daemon'), '==', { const: 0 }] },
      { compare: [{ actor: 'daemon', field: 'exit' }, '==', { const: 'daemon-stopped' }] },
    ],
  },
};

export function daemonSpec(id: string, kind: 'process' | 'thread', title: LocalizedText): AuthoredSpec {
  const noun = kind === 'process' ? { en: 'process', zh: '进程' } : { en: 'thread', zh: '线程' };
  return {
    version: 1,
    id,
    title,
    params: {
      daemonMs: { type: 'integer', default: 1500, min: 0, max: 10_000, description: { en: `how long the daemon ${noun.en} works`, zh: `守护${noun.zh}工作的时长` } },
      workerMs: { type: 'integer', default: 300, min: 0, max: 10_000, description: { en: `how long the ordinary ${noun.en} works`, zh: `普通${noun.zh}工作的时长` } },
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'spawn', actor: 'daemon' },
          { op: 'spawn', actor: 'worker' },
          { op: 'log', message: 'main: my own code ends here' },
          { op: 'mark', name: 'main-done' },
        ],
      },
      { name: 'daemon', kind, daemon: true, autostart: false, program: child('daemon', 'daemonMs') },
      { name: 'worker', kind, autostart: false, program: child('worker', 'workerMs') },
    ],
    claims: [
      {
        id: 'worker-awaited',
        text: { en: `The ordinary ${noun.en} is awaited: it finishes its work after the main code has ended`, zh: `普通${noun.zh}会被等待：它在主程序代码结束之后完成工作` },
        check: {
          all: [
            { compare: [doneCount('worker'), '==', { const: 1 }] },
            { compare: [{ actor: 'worker', field: 'exit' }, '==', { const: 'completed' }] },
            { before: [{ event: { op: 'mark', name: 'main-done', actor: 'main' }, pick: 'first' }, { event: { op: 'mark', name: 'done', actor: 'worker' }, pick: 'first' }] },
          ],
        },
      },
      {
        id: 'daemon-cut-short',
        text: { en: `The daemon ${noun.en}, still working when everything else has ended, is stopped: it never logs "done"`, zh: `其他都结束时仍在工作的守护${noun.zh}被停止：它从未打印 "done"` },
        when: { compare: [{ param: 'daemonMs' }, '>', { param: 'workerMs' }] },
        check: {
          all: [
            { compare: [doneCount('daemon'), '==', { const: 0 }] },
            { compare: [{ actor: 'daemon', field: 'exit' }, '==', { const: 'daemon-stopped' }] },
          ],
        },
      },
      {
        id: 'short-daemon-finishes',
        text: { en: `A daemon ${noun.en} that finishes before the ordinary one gets to log "done"`, zh: `比普通${noun.zh}先完成的守护${noun.zh}能打印 "done"` },
        when: { compare: [{ param: 'daemonMs' }, '<', { param: 'workerMs' }] },
        // CPython's multiprocessing ends a daemon process as soon as the main code ends (the claim below).
        ...(kind === 'process' ? { requires: { runtime: 'node' } } : {}),
        check: { compare: [doneCount('daemon'), '==', { const: 1 }] },
      },
      ...(kind === 'process' ? [cpythonDaemonProcessClaim] : []),
    ],
  };
}
