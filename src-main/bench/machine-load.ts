import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How busy the machine is just before the bench: the share of all cores' time spent outside idle over
 * a short window. The 1-minute load average is no use here: it still counts processes (among them a
 * previous bench's hundred threads) that ended a minute ago.
 */

function totals(): { idle: number; all: number } {
  let idle = 0;
  let all = 0;
  for (const cpu of cpus()) {
    const { user, nice, sys, irq, idle: idleMs } = cpu.times;
    idle += idleMs;
    all += user + nice + sys + irq + idleMs;
  }
  return { idle, all };
}

/** Share (0–1) of CPU time that was busy over the next `windowMs`. */
export async function busyShare(windowMs = 1_000): Promise<number> {
  const before = totals();
  await sleep(windowMs);
  const after = totals();
  const all = after.all - before.all;
  return all > 0 ? 1 - (after.idle - before.idle) / all : 0;
}

/** Above this share of busy CPU before the bench, its figures are flagged as taken on a busy machine. */
export const BUSY_SHARE = 0.2;

export function loadLine(busy: number, cores: number): string {
  const text = `CPU busy before the bench: ${(busy * 100).toFixed(0)}% of ${cores} cores (1 s sample)`;
  return busy > BUSY_SHARE ? `${text}: BUSY, other processes competed for the cores; rerun on a quiet machine before quoting` : text;
}
