import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Guarantees that every process group the runner registers is SIGKILLed when the runner dies, however
 * it dies (SIGKILL, a crash, the OOM killer) and whatever those processes are doing. It does not
 * guarantee anything for processes that leave their group (setsid), nor on Windows (no groups: there
 * the actors' own checks of their parent remain the only guard).
 *
 * Why a separate process: an actor notices its runner's death only on its own event loop (IPC
 * disconnect, parent pid), and a process actor blocked in Atomics.wait (a `block` step, up to 24 h) or
 * the plain OS children an actor started (`os_child`: sh, sleep) have no such loop. So one small
 * watchdog runs beside the runner, detached (its own session and group: a Ctrl+C or a kill of the
 * runner's group does not reach it first), reading its stdin from a pipe whose write end only the
 * runner holds (libuv opens it close-on-exec, so actors and their children never inherit it). The
 * runner writes each group it creates; on an orderly end it writes which groups ended. When the pipe
 * reaches end of input — the kernel closes the runner's end when the runner is gone — the watchdog kills
 * every group still registered and exits.
 *
 * Runs retain the watchdog while they run (concurrent runs share one): it starts, and is ready, before
 * the first actor is forked, so no spawn is charged for it; it ends with the last run, so nothing of a
 * run outlives it, the watchdog included.
 *
 * It is a POSIX shell script, not a Node process: it starts in a millisecond and holds a megabyte,
 * where a Node process costs tens of milliseconds of CPU, tens of megabytes and JIT and GC threads —
 * paid by every run, beside the actors whose start-up the lab measures.
 */

/**
 * The watchdog. Input, one line each: "+<pgid>" watch a group, "-<pgid>" forget it. End of input: kill
 * every group still watched, then exit. It says "ready" on stdout once it reads.
 *
 * Linux frees a pid only once no process uses it as pid, group or session id, so while a group has a
 * member its id cannot be reused. The leader's start time (/proc/<pid>/stat field 22, read when the
 * group is registered) tells a reused pid apart: if a process with that pid exists but started at
 * another time, our group is empty and the stranger is left alone. Without /proc ("-") it just kills.
 * Only builtins run per line (no fork); SIGPIPE is ignored so that a runner already gone when "ready" is
 * written cannot end the watchdog before it has killed anything.
 */
const WATCHDOG_SCRIPT = `# conlab group watchdog
trap '' INT HUP PIPE
set -f
entries=''
start_of() {
  start=-
  stat=''
  { IFS= read -r stat < "/proc/$1/stat"; } 2>/dev/null || return 0
  stat=\${stat##*") "}
  set -- $stat
  [ $# -ge 20 ] && shift 19 && start=$1
  return 0
}
echo ready
while IFS= read -r line; do
  group=\${line#?}
  case $group in ''|*[!0-9]*|0|1) continue ;; esac
  case $line in
    +*) start_of "$group"; entries="$entries $group:$start" ;;
    -*) kept=''
        for entry in $entries; do
          case $entry in "$group":*) ;; *) kept="$kept $entry" ;; esac
        done
        entries=$kept ;;
  esac
done
for entry in $entries; do
  group=\${entry%%:*}
  registered=\${entry#*:}
  if [ "$registered" != - ]; then
    start_of "$group"
    if [ "$start" != - ] && [ "$start" != "$registered" ]; then continue; fi
  fi
  kill -s KILL -- "-$group" 2>/dev/null
done
`;

/** A shell starts in milliseconds; this bound is for a machine under heavy load. */
const READY_TIMEOUT_MS = 5_000;
const EXIT_TIMEOUT_MS = 2_000;

interface Running {
  readonly child: ChildProcess;
  /** Settles once the watchdog reads its input (it says so on stdout), or is gone. */
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
}

function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}

export class GroupWatchdog {
  private running: Running | null = null;
  private readonly groups = new Set<number>();
  private users = 0;

  /** Windows has no process groups (a detached child there is a new console, not a group to kill). */
  readonly supported = process.platform !== 'win32';

  /** The watchdog's pid while it runs (for diagnostics and tests). */
  get pid(): number | null {
    return this.running?.child.pid ?? null;
  }

  /** A run begins: resolves once the watchdog is ready (bounded), before the run forks anything. */
  async retain(): Promise<void> {
    if (!this.supported) return;
    this.users++;
    const running = this.ensureStarted();
    if (running) await within(running.ready, READY_TIMEOUT_MS);
  }

  /** A run ended (after its teardown): the last one out ends the watchdog and waits for it (bounded). */
  async release(): Promise<void> {
    if (!this.supported || this.users === 0) return;
    this.users--;
    await this.closeIfUnused();
  }

  /** Registers a process group (its leader's pid) to be killed should the runner die. */
  watch(pgid: number): void {
    if (!this.supported || !Number.isSafeInteger(pgid) || pgid <= 1) return;
    this.groups.add(pgid);
    // A watchdog started now is handed every registered group, this one included.
    if (this.running) this.send(`+${pgid}\n`);
    else this.ensureStarted();
  }

  /** The group was killed (or is known to be empty): the watchdog must not touch that id again. */
  forget(pgid: number): void {
    if (!this.groups.delete(pgid)) return;
    this.send(`-${pgid}\n`);
    void this.closeIfUnused();
  }

  /** Starts the watchdog if it is not running; a fresh one is handed the registered groups. Null when it cannot start. */
  private ensureStarted(): Running | null {
    if (this.running) return this.running;
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT], { detached: true, stdio: ['pipe', 'pipe', 'ignore'] });
    } catch {
      return null; // the actors' own parent checks remain; nothing else to do here
    }
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    let answered = false;
    const ready = new Promise<void>((resolve) => {
      child.stdout?.once('data', () => {
        answered = true;
        resolve();
      });
      void exited.then(resolve);
    });
    const running: Running = { child, ready, exited };
    this.running = running;
    child.stdin?.on('error', () => {}); // EPIPE once it is gone: 'exit' handles that
    void exited.then(() => {
      if (this.running !== running) return;
      this.running = null;
      // It only ends when we close it; if something killed it, a new one takes over the groups. One
      // that never answered (no /bin/sh) is not retried: the actors' own parent checks remain.
      if (answered && this.groups.size > 0) this.ensureStarted();
    });
    // Neither the process nor its pipes may keep the runner's loop alive: the runner exiting is exactly
    // the event the watchdog waits for.
    child.unref();
    for (const pipe of [child.stdin, child.stdout]) (pipe as unknown as { unref?: () => void } | null)?.unref?.();
    if (this.groups.size > 0) this.send([...this.groups].map((pgid) => `+${pgid}\n`).join(''));
    return running;
  }

  private send(lines: string): void {
    const stdin = this.running?.child.stdin;
    if (stdin && !stdin.destroyed) stdin.write(lines);
  }

  /** Ends the watchdog once no run uses it and no group is registered: end of input, then it exits. */
  private async closeIfUnused(): Promise<void> {
    const running = this.running;
    if (!running || this.users > 0 || this.groups.size > 0) return;
    this.running = null;
    running.child.stdin?.end();
    await within(running.exited, EXIT_TIMEOUT_MS);
  }
}

/** The runner process's one watchdog. */
export const groupWatchdog = new GroupWatchdog();
