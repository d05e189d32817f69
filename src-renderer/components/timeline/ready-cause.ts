import type { StateInterval } from '@contract/actor-states';

/** The i18n translate function, as far as this module needs it. */
type Translate = (key: string, values: Record<string, string>) => string;

/**
 * Why an actor of a loop was ready over `interval`, in words: the other actor's event that satisfied its
 * wait and when it resumed ("ready: lock L released by t2 at 12.3 ms, resumed at 15.0 ms"), a sleep
 * whose time was up, or the loop busy between two steps. Null for any other state.
 */
export function readyCauseText(interval: StateInterval, t: Translate, ms: (ns: number) => string): string | null {
  if (interval.state !== 'ready') return null;
  const resumed = ms(interval.end);
  const wake = interval.wake;
  if (!wake) {
    if (interval.op === 'sleep') {
      // The sleep's own end was due before the interval began: it starts where the timer was due.
      return t('taskReady.sleepOver', { at: ms(interval.start), resumed });
    }
    return t('taskReady.loopBusy', { resumed });
  }
  const values = { target: wake.target, actor: wake.actor, at: ms(wake.t), resumed };
  switch (wake.op) {
    case 'release':
      return t(interval.op === 'wait' ? 'taskReady.conditionRelease' : 'taskReady.release', values);
    case 'notify':
      return t('taskReady.notify', values);
    case 'set':
      return t('taskReady.set', values);
    case 'put':
      return t('taskReady.put', values);
    case 'get':
      return t('taskReady.get', values);
    case 'wait':
      return t('taskReady.barrier', values);
    case 'actor':
      return t('taskReady.actor', values);
    case 'task_done':
      return t('taskReady.taskDone', values);
    default:
      return t('taskReady.loopBusy', { resumed });
  }
}
