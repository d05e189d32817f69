import v8 from 'node:v8';

let applied = false;

/**
 * Keeps CPU timings stable: V8's concurrent on-stack replacement makes tight loops randomly about
 * 8× slower on our machines (the same job takes 0.7 s or 5.3 s). The flag is process-wide, so
 * worker threads started afterwards inherit it; forked actors get it through their execArgv.
 * Idempotent; called before a run starts any actor.
 */
export function ensureStableTimings(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString('--no-concurrent-osr');
}
