"""One trial on CPython: every actor on its real mechanism, the same end rules as the Node engine's
Trial (src-main/engine/runner/trial.ts), and a report of what happened as JSON lines.

  main    = a coroutine on the asyncio loop of the interpreter's main thread (as main runs on the
            Node runner's loop); it blocks that thread only where a Python main program would
  task    = an asyncio task on that same loop
  thread  = threading.Thread
  process = multiprocessing.Process ('fork' on Linux, 'spawn' elsewhere; recorded with the run)

End of a trial: once main has ended, running daemons are stopped and ordinary actors are awaited;
the first actor to fail ends the trial as failed. A stopped thread cannot be killed in CPython: its
trace is closed (nothing it does afterwards counts) and it dies when this process exits at the end.
"""

import _thread
import asyncio
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from . import greenlet_tasks
from .interpreter import ActorFailure, Interpreter, drive
from .netservers.host import Servers, ServerStartError
from .output import Output
from .pools_host import Pools
from .pipes import Pipes
from . import settings
from .queues import QueueOps, Queues
from .shared_vars import SharedVars
from .sync import PrimitiveOps, Primitives, WaitTable
from .timeouts import seconds as _seconds
from .trace import TraceBuffer, stop_on_sigterm
from .watchdog import watch_parent

# The original, kept before gevent's monkey-patching can replace time.sleep: `block` always blocks.
_blocking_sleep = time.sleep

STOP_GRACE_S = 0.15
DEADLOCK_SAMPLE_S = 0.2
LOOP_ACTORS = ("main", "task")
# A utility actor (Electron's utilityProcess on Node) has no CPython counterpart: it runs as a
# multiprocessing.Process, and the run records that substitution.
PROCESS_KINDS = ("process", "utility")


class Instance:
    def __init__(self, trial, spec, index, count, ident):
        self.trial = trial
        self.spec = spec
        self.id = ident
        self.group = spec["name"]
        self.index = index
        self.name = spec["name"] if count == 1 else "%s-%d" % (spec["name"], index)
        self.kind = spec["kind"]
        self.daemon = bool(spec.get("daemon", False))
        self.state = "pending"
        self.stop_reason = None
        self.ended = threading.Event()
        self.trace = None
        self.task = None
        self.process = None
        self.errors = None
        # Set for a pool's actors: how Trial.stop stops them (pools_host).
        self.stop_hook = None

    def facts(self, pid, ppid, thread_id):
        return {"id": self.id, "name": self.name, "group": self.group, "index": self.index, "kind": self.kind, "pid": pid, "ppid": ppid, "threadId": thread_id}


async def _offload_here(call):
    """ActorServices.offload for an actor on its own thread: the call, on that thread."""
    return call()


class ActorServices:
    def __init__(self, trial, instance, trace, own_thread, self_facts):
        self.trial = trial
        self.instance = instance
        self.trace = trace
        self.self_facts = self_facts
        self.own_thread = own_thread
        self.vars = trial.vars
        # An actor on its own thread blocks where it is: a plain function, not a method of these
        # services (which would make them and their ops a cycle, freed only by a collection).
        offload = _offload_here if own_thread else self.offload
        self.prims = PrimitiveOps(trial.prims, offload, instance.name, getattr(trial, "waits", None), not own_thread)
        self.queues = QueueOps(trial.queues, offload)
        self.pipes = trial.pipes

    async def offload(self, call):
        if self.own_thread:
            return call()
        self.trace.flush()
        return await asyncio.get_running_loop().run_in_executor(self.trial.executor, call)

    def block(self, ms):
        if ms > 0:
            _blocking_sleep(ms / 1000.0)

    async def sleep(self, ms):
        if self.own_thread:
            time.sleep(ms / 1000.0)
        else:
            await asyncio.sleep(ms / 1000.0)

    def cpu_ms(self):
        # CPU time of this actor's whole process, all its threads (as process.cpuUsage on the Node side).
        return time.process_time() * 1000.0

    def spawn(self, group, index):
        return self.trial.spawn(self.instance, group, index)

    async def join(self, group, index, timeout_ms):
        targets = self.trial.select(group, index)
        for target in targets:
            if target.state == "pending":
                raise ActorFailure("cannot join %s: it was never started" % target.name)
            if target is self.instance:
                raise ActorFailure("%s cannot join itself" % self.instance.name)
        timeout = _seconds(timeout_ms)
        deadline = None if timeout is None else time.monotonic() + timeout

        def wait_all():
            for target in targets:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                if not target.ended.wait(left):
                    return False
            return True

        if all(t.ended.is_set() for t in targets):
            return True
        return await self.offload(wait_all)

    def is_alive(self, group, index):
        return any(t.state == "running" for t in self.trial.select(group, index))

    def terminate(self, group, index):
        # As Process.terminate(): a signal, and the call returns at once; the actor is gone shortly after.
        for target in self.trial.select(group, index):
            if target.kind == "thread":
                raise ActorFailure("cannot terminate %s: a CPython thread cannot be killed" % target.name)
            if target.kind == "task" and self.trial.greenlets is not None:
                raise ActorFailure("cannot terminate %s: a greenlet is not killed from another thread" % target.name)
            if target.state == "running":
                self.trial.stop(target, "terminated")


class Trial:
    def __init__(self, config, output, start_method):
        self.config = config
        self.spec = config["spec"]
        uses_processes = any(a["kind"] in PROCESS_KINDS for a in self.spec["actors"]) or any(p["kind"] == "process" for p in (self.spec.get("pools") or {}).values())
        self.output = output
        # No other process of the trial writes lines unless it starts one (see Output.alone).
        output.alone = not uses_processes
        self.trial_index = config["trial"]
        self.origin_ns = config["originNs"]
        self.budget = config["eventBudget"]
        self.start_method = start_method
        self.context = multiprocessing.get_context(start_method) if uses_processes else None
        settings.apply(self.spec)
        self.vars = SharedVars(self.spec, start_method)
        self.pipes = Pipes(self.spec)
        self.prims = Primitives(self.spec, self.context)
        self.queues = Queues(self.spec, self.context)
        self.waits = WaitTable()
        self.deadlock = None
        self.instances = []
        self.by_group = {}
        for actor in self.spec["actors"]:
            count = actor.get("count", 1)
            group = [Instance(self, actor, i, count, len(self.instances) + i) for i in range(count)]
            self.instances.extend(group)
            self.by_group[actor["name"]] = group
        self.pools = Pools(self, config.get("poolSizes") or {}, self.add_pool_instance)
        self.lock = threading.RLock()
        self.status = None
        self.error = None
        self.finished = threading.Event()
        self.main_ended = not any(a["kind"] == "main" for a in self.spec["actors"])
        # True until every autostarted actor has been started: an early one that ends first must not end the trial.
        self.autostarting = True
        self.daemons_stopped = False
        self.executor = ThreadPoolExecutor(max_workers=256, thread_name_prefix="conlab-wait")
        self.loop = None
        self.loop_thread = None
        self.pid = os.getpid()
        self.thread_id = threading.get_native_id()
        self.greenlets = greenlet_tasks.for_spec(self.spec, self.run_thread)
        self.servers = Servers(self.spec)
        self.extra_metrics = {}

    def now(self):
        return time.monotonic_ns() - self.origin_ns

    def add_pool_instance(self, spec, index, count):
        instance = Instance(self, spec, index, count, len(self.instances))
        self.instances.append(instance)
        self.by_group.setdefault(spec["name"], []).append(instance)
        return instance

    # --- lifecycle ---------------------------------------------------------------------------

    def select(self, group, index):
        instances = self.by_group.get(group)
        if instances is None:
            raise ActorFailure("no actor named %s" % group)
        if index is None:
            return instances
        if index >= len(instances):
            raise ActorFailure("actor %s has no instance %d" % (group, index))
        return [instances[index]]

    def spawn(self, caller, group, index):
        targets = self.select(group, index)
        for target in targets:
            if target.state != "pending":
                raise ActorFailure("%s was already started: an actor starts once" % target.name)
        if self.status is not None:
            raise ActorFailure("the trial is ending")
        for target in targets:
            self.start(target)
        return [t.name for t in targets]

    def start(self, instance):
        with self.lock:
            instance.state = "running"
        asked = self.now()
        try:
            if instance.kind == "task" and self.greenlets is not None:
                self.greenlets.start(instance)
            elif instance.kind in LOOP_ACTORS:
                if threading.get_ident() == self.loop_thread:
                    instance.task = self.loop.create_task(self.run_on_loop(instance))
                    instance.task.add_done_callback(self.task_over)
                else:
                    # A thread started a task: asyncio's loop is not thread-safe, so the loop creates it.
                    def create(target=instance):
                        if target.stop_reason is None:
                            target.task = self.loop.create_task(self.run_on_loop(target))
                            target.task.add_done_callback(self.task_over)

                    self.loop.call_soon_threadsafe(create)
            elif instance.kind == "thread":
                # The thread sends the requested line with its first ones (one write, not one more).
                threading.Thread(target=self.run_thread, args=(instance, asked), name=instance.name, daemon=True).start()
                return
            elif instance.kind in PROCESS_KINDS:
                self.start_process(instance)
            else:
                raise ActorFailure("actor kind %s is not supported on cpython" % instance.kind)
        except Exception as error:  # noqa: BLE001 - any failure to start is the actor's failure
            self.output.send({"type": "requested", "actor": instance.name, "t": asked})
            self.end_instance(instance, "failed", "could not start %s: %s" % (instance.name, error))
            return
        # Sent once the actor is on its way (the host takes the two stamps in any order): writing the
        # line is not part of what starting an actor costs.
        self.output.send({"type": "requested", "actor": instance.name, "t": asked})

    def task_over(self, task):
        # A task cancelled before its coroutine ever ran has ended all the same (end_instance is idempotent).
        if task.cancelled():
            for instance in self.instances:
                if instance.task is task:
                    self.end_instance(instance, instance.stop_reason or "cancelled", None)

    def new_trace(self, instance):
        trace = TraceBuffer(instance.name, self.trial_index, self.origin_ns, self.budget, self.output)
        instance.trace = trace
        return trace

    def announce(self, instance, trace, pid, ppid, thread_id, entered=None):
        trace.emit("actor", "B", {"kind": instance.kind, "pid": pid, "ppid": ppid, "threadId": thread_id})
        started = trace.now() if entered is None else entered
        trace.with_next_flush.append({"type": "started", "actor": instance.name, "pid": pid, "ppid": ppid, "threadId": thread_id, "t": started})

    def report_done(self, instance, trace, error):
        if not trace.closed:
            trace.emit("actor", "E", {"ok": True} if error is None else {"ok": False, "error": error})
        # The last batch and the done line in one write (emitted counts the events still unsent).
        trace.flush({"type": "done", "actor": instance.name, "ok": error is None, "error": error, "emitted": trace.emitted, "dropped": trace.dropped, "t": trace.now()})

    async def run_on_loop(self, instance):
        trace = self.new_trace(instance)
        pid, ppid, tid = os.getpid(), os.getppid(), threading.get_native_id()
        self.announce(instance, trace, pid, ppid, tid)
        services = ActorServices(self, instance, trace, False, instance.facts(pid, ppid, tid))
        error = None
        try:
            # A new task starts on a later turn of the loop: the starter goes on until it waits.
            await asyncio.sleep(0)
            await Interpreter(services).run(instance.spec["program"])
        except asyncio.CancelledError:
            trace.close()
            self.report_done(instance, trace, "stopped")
            self.end_instance(instance, instance.stop_reason or "cancelled", None)
            return
        except ActorFailure as failure:
            error = str(failure)
        except Exception as failure:  # noqa: BLE001 - a bug in the runtime fails the actor, visibly
            error = "%s: %s" % (type(failure).__name__, failure)
        self.report_done(instance, trace, error)
        self.end_instance(instance, "completed" if error is None else "failed", error)

    def run_thread(self, instance, asked=None):
        """A thread actor's life on its own thread (or a greenlet's, on the hub's: its starter sends its
        requested line, and `asked` is None)."""
        entered = self.now()
        trace = self.new_trace(instance)
        if asked is not None:
            trace.with_next_flush.append({"type": "requested", "actor": instance.name, "t": asked})
        pid, ppid, tid = os.getpid(), os.getppid(), threading.get_native_id()
        self.announce(instance, trace, pid, ppid, tid, entered)
        services = ActorServices(self, instance, trace, True, instance.facts(pid, ppid, tid))
        error = None
        interpreter = Interpreter(services)
        try:
            drive(interpreter.run(instance.spec["program"]))
        except ActorFailure as failure:
            error = str(failure)
        except Exception as failure:  # noqa: BLE001
            error = "%s: %s" % (type(failure).__name__, failure)
        # Its compiled blocks hold the interpreter they were compiled for (a cycle): let go of them
        # now, and the actor's objects go as it ends, not in the collections later actors set off.
        # (A block asked for again is compiled again.)
        interpreter.blocks.clear()
        if trace.closed:
            return
        trace.emit("actor", "E", {"ok": True} if error is None else {"ok": False, "error": error})
        done = {"type": "done", "actor": instance.name, "ok": error is None, "error": error, "emitted": trace.emitted, "dropped": trace.dropped, "t": trace.now()}
        # The last batch, done and ended in one write: a write lets go of the GIL, and each time the
        # thread would wait to have it back while the next actors start.
        self.end_instance(instance, "completed" if error is None else "failed", error, (trace, done))

    def start_process(self, instance):
        # The child's failure message comes back on a pipe of its own (its stdout lines go to the host).
        instance.errors, child_errors = self.context.Pipe(duplex=False)
        process = self.context.Process(
            target=process_main,
            args=(instance.spec, instance.name, instance.id, instance.group, instance.index, self.trial_index, self.origin_ns, self.budget,
                  self.output.lock_path, self.vars.values, self.prims, self.queues, os.getpid(), child_errors, self.pipes),
            name=instance.name,
            daemon=False,
        )
        process.start()
        child_errors.close()
        with self.lock:
            instance.process = process
            stopped_meanwhile = instance.stop_reason is not None
        self.watch_ending(instance)
        if stopped_meanwhile:
            # Stopped (terminate from another actor, the end of the trial) while it was being started.
            self.signal_process(instance)

    def watch_ending(self, instance):
        """Has ``watch_process`` called once the process ends, from a thread of its own that the starter
        does not wait for (threading's start() waits until the new thread runs: a large part of what
        a process start cost, and time the parent would lose before its next step)."""
        _thread.start_new_thread(self.watch_process, (instance,))

    def watch_process(self, instance):
        process = instance.process
        process.join()
        code = process.exitcode
        if code == -signal.SIGKILL:
            self.output.end_cut_line()
        if instance.stop_reason is not None:
            self.end_instance(instance, instance.stop_reason, None)
        elif code == 0:
            self.end_instance(instance, "completed", None)
        elif code == 3:
            message = "its program failed"
            try:
                if instance.errors.poll():
                    message = instance.errors.recv()
            except (EOFError, OSError):
                pass
            self.end_instance(instance, "failed", message)
        else:
            self.end_instance(instance, "failed", "%s exited before finishing its program (exit code %s)" % (instance.name, code))

    def end_instance(self, instance, exit_reason, error, last=None):
        """``last``: the actor's trace and done line, sent with the ended line (or alone if it ended already)."""
        with self.lock:
            if instance.state == "ended":
                if last is not None:
                    last[0].flush(last[1])
                return
            instance.state = "ended"
            ended = {"type": "ended", "actor": instance.name, "exit": exit_reason, "error": error, "t": self.now()}
            if last is None:
                self.output.send(ended)
            else:
                # While the trial still starts its actors, the starter waits for the GIL that a write
                # would hand it in the middle of this thread's end: the lines go out soon instead.
                last[0].flush(last[1], ended, soon=self.autostarting)
            instance.ended.set()
            if exit_reason == "failed" and self.status is None:
                self.finish("failed", "%s failed: %s" % (instance.name, error or "unknown error"))
                return
            if instance.kind == "main":
                self.main_ended = True
            self.check_end()

    def check_end(self):
        with self.lock:
            if self.status is not None or not self.main_ended or self.autostarting:
                return
            # multiprocessing's exit handler terminates daemon children as soon as the main code ends,
            # before it waits for the ordinary ones (daemon threads live until the interpreter exits).
            for instance in self.instances:
                if instance.state == "running" and instance.daemon and instance.kind == "process":
                    self.stop(instance, "daemon-stopped")
            if not self.daemons_stopped and not any(i.state == "running" and not i.daemon for i in self.instances):
                self.daemons_stopped = True
                for instance in self.instances:
                    if instance.state == "running" and instance.daemon:
                        self.stop(instance, "daemon-stopped")
            if all(i.state != "running" or i.daemon for i in self.instances):
                self.finish("ok", None)

    def finish(self, status, error):
        with self.lock:
            if self.status is not None:
                return
            self.status = status
            self.error = error
            self.finished.set()

    def stop(self, instance, reason):
        """Stops one running actor (idempotent): a task is cancelled, a process gets SIGTERM (it flushes
        its events) and SIGKILL after a grace period, a thread's trace is closed and it is left to die."""
        with self.lock:
            if instance.state != "running" or instance.stop_reason is not None:
                return
            instance.stop_reason = reason
        if instance.stop_hook is not None:
            instance.stop_hook(instance, reason)
            return
        if instance.kind == "task" and self.greenlets is not None:
            # A greenlet in the hub's thread: like a thread, its trace is closed and it dies with the interpreter.
            if instance.trace is not None:
                instance.trace.close()
                self.output.send({"type": "done", "actor": instance.name, "ok": False, "error": "stopped", "emitted": instance.trace.emitted, "dropped": instance.trace.dropped, "t": self.now()})
            self.end_instance(instance, reason, None)
        elif instance.kind in LOOP_ACTORS:
            if instance.task is not None:
                # Two turns of the loop, as on Node: a task stopped by its starter before it ran first
                # runs up to its first wait, and is stopped there.
                self.loop.call_soon_threadsafe(self.loop.call_soon, instance.task.cancel)
            else:
                self.end_instance(instance, reason, None)
        elif instance.kind == "thread":
            if instance.trace is not None:
                instance.trace.close()
                self.output.send({"type": "done", "actor": instance.name, "ok": False, "error": "stopped", "emitted": instance.trace.emitted, "dropped": instance.trace.dropped, "t": self.now()})
            self.end_instance(instance, reason, None)
        else:
            with self.lock:
                started = instance.process is not None
            # One not yet started is signalled by start_process, which sees the stop reason.
            if started:
                self.signal_process(instance)

    def signal_process(self, instance):
        """SIGTERM (its handler sends what it recorded), then SIGKILL once the grace period is over."""
        pid = instance.process.pid
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return

        def kill_later():
            if not instance.ended.wait(STOP_GRACE_S):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

        threading.Thread(target=kill_later, daemon=True).start()

    async def run(self):
        self.loop = asyncio.get_running_loop()
        self.loop_thread = threading.get_ident()
        try:
            # The spec's servers, each a process of its own, listening before any actor starts.
            await self.loop.run_in_executor(self.executor, self.servers.start_all)
        except ServerStartError as error:
            self.finish("failed", str(error))
        for instance in self.instances:
            if instance.kind == "main" and self.status is None:
                self.start(instance)
        for instance in self.instances:
            if instance.kind != "main" and instance.spec.get("autostart", True) and self.status is None:
                self.start(instance)
        with self.lock:
            self.autostarting = False
        self.check_end()
        threading.Thread(target=self.watch_deadlock, name="conlab-deadlock", daemon=True).start()
        while not self.finished.is_set():
            await self.loop.run_in_executor(self.executor, self.finished.wait, 0.25)
        reason = {"cancelled": "cancelled", "timed-out": "timed-out", "deadlocked": "deadlocked"}.get(self.status, "daemon-stopped" if self.status == "ok" else "cancelled")
        for instance in self.instances:
            if instance.state == "running":
                self.stop(instance, "daemon-stopped" if instance.daemon and self.status == "ok" else reason)
        deadline = time.monotonic() + 1.0
        while any(i.state == "running" for i in self.instances) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        for instance in self.instances:
            if instance.state == "running":
                self.end_instance(instance, instance.stop_reason or reason, None)
        self.extra_metrics = await self.loop.run_in_executor(self.executor, self.servers.stop_all)

    def watch_deadlock(self):
        """Samples the wait-for graph every DEADLOCK_SAMPLE_S; a cycle seen twice in a row, with every
        member still in the same wait, is a deadlock: nobody in it can move, so the trial ends."""
        previous = None
        while not self.finished.wait(DEADLOCK_SAMPLE_S):
            found = self.waits.find_cycle()
            if found is not None and previous is not None and found[1] == previous[1]:
                cycle = found[0]
                description = "deadlock: " + "; ".join("%s waits for %s held by %s" % (e["actor"], e["waitsFor"], e["heldBy"]) for e in cycle)
                self.output.send({"type": "deadlock", "cycle": cycle, "description": description, "t": self.now()})
                self.finish("deadlocked", description)
                return
            previous = found

    def result(self):
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        # ru_maxrss is in kilobytes on Linux, bytes on macOS.
        scale = 1024 * 1024 if sys.platform == "darwin" else 1024
        return {
            "type": "result",
            "status": self.status or "ok",
            "error": self.error,
            "finalShared": self.vars.final(),
            "pools": self.pools.metrics(),
            "cpu": {"userMs": (own.ru_utime + children.ru_utime) * 1000.0, "systemMs": (own.ru_stime + children.ru_stime) * 1000.0},
            "peakRssMb": own.ru_maxrss / scale,
            "processPeakRssMb": children.ru_maxrss / scale,
            "switchIntervalMs": sys.getswitchinterval() * 1000.0,
            "metrics": self.extra_metrics,
        }


def process_main(spec, name, ident, group, index, trial_index, origin_ns, budget, out_path, shared_values, prims, queues, orchestrator_pid, errors, pipes=None):
    """A process actor's life in its own interpreter process (forked or spawned).

    A forked child inherits every lock in the state it had at the fork, held by threads that do not
    exist in the child: it takes none of its parent's. It imports nothing (an import lock of a module
    another thread was importing stays held), writes through an Output of its own, and makes its own
    trace buffer and shared-value lock; multiprocessing objects (primitives, queues) are made to be shared."""
    watch_parent(orchestrator_pid)
    output = Output(out_path)
    trace = TraceBuffer(name, trial_index, origin_ns, budget, output)
    stub = Instance.__new__(Instance)
    stub.name, stub.id, stub.group, stub.index, stub.kind, stub.spec = name, ident, group, index, spec["kind"], spec
    pid, ppid, tid = os.getpid(), os.getppid(), threading.get_native_id()

    def stop_now():
        trace.close()
        output.send({"type": "done", "actor": name, "ok": False, "error": "stopped", "emitted": trace.emitted, "dropped": trace.dropped, "t": trace.now()})
        os._exit(0)

    # Stopped by the orchestrator (terminate, a daemon at the end, a cancelled trial): what was recorded
    # is sent, after the flush and the line this process may be in the middle of.
    stop_on_sigterm(trace, output, stop_now)
    trace.emit("actor", "B", {"kind": spec["kind"], "pid": pid, "ppid": ppid, "threadId": tid})
    output.send({"type": "started", "actor": name, "pid": pid, "ppid": ppid, "threadId": tid, "t": trace.now()})

    class ChildTrial:
        pass

    child = ChildTrial()
    child.vars = SharedVars.__new__(SharedVars)
    child.vars.values = dict(shared_values)
    child.vars.lock = threading.Lock()
    child.prims = prims
    child.queues = queues
    child.pipes = pipes
    child.executor = None

    def refuse(*_args):
        raise ActorFailure("a process actor cannot start or join actors on cpython yet")

    child.spawn = refuse
    child.select = refuse
    child.stop = refuse
    services = ActorServices(child, stub, trace, True, stub.facts(pid, ppid, tid))
    error = None
    try:
        drive(Interpreter(services).run(spec["program"]))
    except ActorFailure as failure:
        error = str(failure)
    except Exception as failure:  # noqa: BLE001
        error = "%s: %s" % (type(failure).__name__, failure)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    trace.emit("actor", "E", {"ok": True} if error is None else {"ok": False, "error": error})
    trace.flush()
    output.send({"type": "done", "actor": name, "ok": error is None, "error": error, "emitted": trace.emitted, "dropped": trace.dropped, "t": trace.now()})
    if error is not None:
        errors.send(error)
    # os._exit skips multiprocessing's exit handlers: items this process put are still in its queues'
    # feeder threads, and would be lost. Flush them first, as a normal process exit does.
    for q in getattr(queues, "queues", {}).values():
        if hasattr(q, "join_thread"):
            q.close()
            q.join_thread()
    os._exit(0 if error is None else 3)
