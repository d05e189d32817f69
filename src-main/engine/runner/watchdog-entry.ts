// Entry of the group watchdog (out/engine/watchdog.mjs): one small process per runner that SIGKILLs the
// runner's process groups once the runner is gone, however it went. See group-watchdog.ts for the why.
//
// Protocol on stdin, one line each: "+<pgid>" watch a group, "-<pgid>" forget it. End of input (the
// runner closed the pipe, exited, or was killed: the kernel closes its end in every case) means: kill
// every group still watched, then exit. The one thing written is "ready" on stdout, once listening.
import { readFileSync } from 'node:fs';

/** A group's leader as it was when the group was registered: its start time tells a reused pid apart. */
const watched = new Map<number, string | null>();

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or null when gone or without /proc. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function killAll(): void {
  for (const [pgid, leaderStart] of watched) {
    // Linux frees a pid only once no process uses it as pid, group or session: while the group has a
    // member, its id cannot be reused. If a process with that pid exists but started at another time,
    // the pid was reused, so our group is empty: leave the stranger alone.
    const now = leaderStart === null ? null : startTimeOf(pgid);
    if (now !== null && now !== leaderStart) continue;
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // ESRCH: the group has already ended
    }
  }
  process.exit(0);
}

function apply(line: string): void {
  const pgid = Number(line.slice(1));
  // Only a positive pid above init can name a group to kill: kill(-1) or kill(-0) would reach far more.
  if (!Number.isSafeInteger(pgid) || pgid <= 1) return;
  if (line[0] === '+') watched.set(pgid, startTimeOf(pgid));
  else if (line[0] === '-') watched.delete(pgid);
}

let pending = '';
process.stdin.setEncoding('latin1');
process.stdin.on('data', (chunk: string) => {
  pending += chunk;
  let newline = pending.indexOf('\n');
  while (newline >= 0) {
    apply(pending.slice(0, newline));
    pending = pending.slice(newline + 1);
    newline = pending.indexOf('\n');
  }
  // Lines are a few bytes; anything longer is not ours.
  if (pending.length > 64) pending = '';
});
process.stdin.once('end', killAll);
process.stdin.once('error', killAll);
// The runner's terminal going away or a Ctrl+C aimed at the runner's group must not end the watchdog
// before it has done its work (it has its own session, so this is only a second guard).
process.on('SIGHUP', () => {});
process.on('SIGINT', () => {});
// The runner may be gone already: a failed write must not end us before end of input is handled.
process.stdout.on('error', () => {});
process.stdout.write('ready\n');
