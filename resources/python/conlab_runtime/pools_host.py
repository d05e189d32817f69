"""The spec's pools on CPython: concurrent.futures.ThreadPoolExecutor and ProcessPoolExecutor (with
the trial's start method), and the spec's functions run by the same interpreter.

Each worker is an actor instance of the trial, named as on the Node engine (the pool's name, or
``<pool>-<i>`` for more than one) and traced with the same events (``actor``, ``task``). A worker is
requested when the executor creates it (a thread pool adds threads as tasks come; a fork-based
process pool forks them all at its first task) and ends when the pool is shut down, or is stopped
with the trial as a daemon.

Callbacks run where CPython runs them: ``add_done_callback`` calls them on the thread that completed
the future. In a thread pool that is the worker thread that ran the task (its ``callback`` events are
in that worker's trace); in a process pool it is the executor's result-handler thread in this
interpreter, traced as the lane ``<pool>-callbacks`` (a thread actor, where the Node engine has a task
on its loop); and on a future already done when the callback is attached, the submitting actor itself.
Every ``callback`` event names the process and OS thread that ran it.
"""

import concurrent.futures
import json
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import connection as mp_connection
from multiprocessing import util as mp_util

from .common import ActorFailure, ReturnSignal, drive
from .output import Output
from .timeouts import seconds as _seconds
from .trace import TraceBuffer, stop_on_sigterm
from .watchdog import watch_parent

STOP_GRACE_S = 0.15
MAX_MAP_ARGS = 100000

_local = threading.local()
# A process pool's worker: set by its initializer, in the worker process.
_PROCESS_WORKER = None


async def run_function(services, functions, name, arg, extra=None):
    """Runs a function body in a scope of its own with ``arg`` (and ``extra``) set; its value is what
    ``return`` gave, else None."""
    from .interpreter import Interpreter

    definition = (functions or {}).get(name)
    if definition is None:
        raise ActorFailure("no function named %s" % name)
    it = Interpreter(services)
    it.locals["arg"] = arg
    for key, value in (extra or {}).items():
        it.locals[key] = value
    try:
        await it.steps(definition["steps"])
    except ReturnSignal as returned:
        return returned.value
    return None


def failure_text(failure):
    return str(failure) if isinstance(failure, ActorFailure) else "%s: %s" % (type(failure).__name__, failure)


class ThreadGauge:
    """How many tasks of one pool run at once, and the most ever (worker threads of this process)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running = 0
        self.max = 0

    def enter(self):
        with self.lock:
            self.running += 1
            self.max = max(self.max, self.running)

    def leave(self):
        with self.lock:
            self.running -= 1

    def peak(self):
        return self.max


class ProcessGauge:
    """The same count across worker processes, in shared memory."""

    def __init__(self, context):
        self.running = context.Value("i", 0)
        self.max = context.Value("i", 0, lock=False)

    def enter(self):
        with self.running.get_lock():
            self.running.value += 1
            if self.running.value > self.max.value:
                self.max.value = self.running.value

    def leave(self):
        with self.running.get_lock():
            self.running.value -= 1

    def peak(self):
        return self.max.value


class Worker:
    """What one worker works with: its trace and services (for ``self`` and the steps of a function)."""

    def __init__(self, pool, instance, trace, services, functions, gauge):
        self.pool = pool
        self.instance = instance
        self.trace = trace
        self.services = services
        self.functions = functions
        self.gauge = gauge


def run_task(worker, task, function, arg):
    """One task on a worker: traced as on the Node engine; the outcome is (ok, value, error)."""
    trace = worker.trace
    trace.emit("task", "B", {"pool": worker.pool, "task": task, "function": function, "arg": arg})
    trace.flush()
    worker.gauge.enter()
    try:
        outcome = (True, drive(run_function(worker.services, worker.functions, function, arg)), None)
    except Exception as failure:  # noqa: BLE001 - a failed task is its future's failure
        outcome = (False, None, failure_text(failure))
    finally:
        worker.gauge.leave()
    ok, value, error = outcome
    trace.emit("task", "E", {"pool": worker.pool, "task": task, "ok": True, "value": value} if ok else {"pool": worker.pool, "task": task, "ok": False, "error": error})
    trace.flush()
    return outcome


def _thread_task(task, function, arg):
    worker = getattr(_local, "worker", None)
    if worker is None or worker.instance.stop_reason is not None:
        return (False, None, "stopped")
    return run_task(worker, task, function, arg)


def _process_task(task, function, arg):
    if _PROCESS_WORKER is None:
        return (False, None, "this worker was not started")
    return run_task(_PROCESS_WORKER, task, function, arg)


class _Stub:
    pass


def _process_worker_start(config, counter, pids, gauge, prims, queues, shared_values):
    """A process pool's initializer, in each worker process: it takes the next worker name, traces
    itself as an actor and reports its end (its events, then its done line) when the process exits."""
    global _PROCESS_WORKER
    from .shared_vars import SharedVars
    from .trial import ActorServices

    with counter.get_lock():
        index = counter.value
        counter.value += 1
    if index >= len(config["names"]):
        return
    pids[index] = os.getpid()
    watch_parent(config["orchestrator"])
    output = Output(config["lockPath"])
    name = config["names"][index]
    trace = TraceBuffer(name, config["trial"], config["originNs"], config["budget"], output)
    pid, ppid, tid = os.getpid(), os.getppid(), threading.get_native_id()

    def stop_now():
        trace.close()
        output.send({"type": "done", "actor": name, "ok": False, "error": "stopped", "emitted": trace.emitted, "dropped": trace.dropped, "t": trace.now()})
        os._exit(0)

    stop_on_sigterm(trace, output, stop_now)
    trace.emit("actor", "B", {"kind": "process", "pid": pid, "ppid": ppid, "threadId": tid})
    output.send({"type": "started", "actor": name, "pid": pid, "ppid": ppid, "threadId": tid, "t": trace.now()})

    instance = _Stub()
    instance.name, instance.id, instance.group, instance.index, instance.kind = name, config["ids"][index], config["pool"], index, "process"
    instance.stop_reason = None
    trial = _Stub()
    trial.vars = SharedVars.__new__(SharedVars)
    trial.vars.values = dict(shared_values)
    trial.vars.lock = threading.Lock()
    trial.prims = prims
    trial.queues = queues
    # The trial's pipes stay with the interpreter: a pipe step in a worker says so (ops/multiprocessing_steps.py).
    trial.pipes = None
    trial.executor = None

    def refuse(*_args):
        raise ActorFailure("a process pool's worker cannot start, join or stop actors on cpython")

    trial.spawn = trial.select = trial.stop = refuse
    facts = {"id": instance.id, "name": name, "group": config["pool"], "index": index, "kind": "process", "pid": pid, "ppid": ppid, "threadId": tid}
    services = ActorServices(trial, instance, trace, True, facts)
    _PROCESS_WORKER = Worker(config["pool"], instance, trace, services, config["functions"], gauge)

    def at_exit():
        # The pool was shut down: the worker's loop returned and multiprocessing runs its finalizers.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        trace.emit("actor", "E", {"ok": True})
        trace.flush()
        output.send({"type": "done", "actor": name, "ok": True, "error": None, "emitted": trace.emitted, "dropped": trace.dropped, "t": trace.now()})

    mp_util.Finalize(None, at_exit, exitpriority=100)


class Pool:
    """One pool of the spec: its executor (made at the first task), its workers and its futures."""

    def __init__(self, trial, name, spec, size, new_instance):
        self.trial = trial
        self.name = name
        self.kind = spec["kind"]
        self.size = size
        self.functions = trial.spec.get("functions") or {}
        worker_spec = {"name": name, "kind": self.kind, "daemon": True, "autostart": False, "program": []}
        self.workers = [new_instance(worker_spec, i, size) for i in range(size)]
        self.lane = None
        if self.kind == "process":
            lane_spec = {"name": name + "-callbacks", "kind": "thread", "daemon": True, "autostart": False, "program": []}
            self.lane = new_instance(lane_spec, 0, 1)
        for instance in self.instances():
            instance.stop_hook = self.stop_instance
        self.lock = threading.RLock()
        self.executor = None
        self.closed = False
        self.stopping = False
        self.next_task = 1
        self.futures = {}
        self.completed = 0
        self.launched = 0
        self.processes = {}
        self.pids = None
        self.gauge = ThreadGauge()
        self.lane_services = None

    def instances(self):
        return self.workers + ([self.lane] if self.lane is not None else [])

    # --- workers ----------------------------------------------------------------------------------

    def start(self):
        trial = self.trial
        if self.kind == "thread":
            self.executor = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="conlab-pool-" + self.name, initializer=self.thread_started)
            return
        context = trial.context
        self.gauge = ProcessGauge(context)
        counter = context.Value("i", 0)
        self.pids = context.Array("i", self.size)
        config = {
            "pool": self.name,
            "names": [w.name for w in self.workers],
            "ids": [w.id for w in self.workers],
            "trial": trial.trial_index,
            "originNs": trial.origin_ns,
            "budget": trial.budget,
            "lockPath": trial.output.lock_path,
            "orchestrator": os.getpid(),
            "functions": self.functions,
        }
        self.executor = ProcessPoolExecutor(
            max_workers=self.size,
            mp_context=context,
            initializer=_process_worker_start,
            initargs=(config, counter, self.pids, self.gauge, trial.prims, trial.queues, trial.vars.values),
        )

    def thread_started(self):
        """A thread pool's initializer, on each new worker thread (named ``<prefix>_<n>`` by the executor)."""
        from .trial import ActorServices

        trial = self.trial
        try:
            index = int(threading.current_thread().name.rsplit("_", 1)[1])
            instance = self.workers[index]
        except (IndexError, ValueError):
            return
        with trial.lock:
            if instance.state == "pending":
                instance.state = "running"
            stopped = instance.stop_reason is not None or trial.status is not None
        if stopped:
            return
        trace = trial.new_trace(instance)
        pid, ppid, tid = os.getpid(), os.getppid(), threading.get_native_id()
        trial.announce(instance, trace, pid, ppid, tid)
        services = ActorServices(trial, instance, trace, True, instance.facts(pid, ppid, tid))
        _local.worker = Worker(self.name, instance, trace, services, self.functions, self.gauge)

    def created(self):
        executor = self.executor
        if self.kind == "thread":
            return len(getattr(executor, "_threads", ()) or ())
        processes = getattr(executor, "_processes", None) or {}
        self.processes.update(processes)
        return len(processes)

    def note_created(self, before, t):
        """The workers the executor created for this task are requested now, in creation order."""
        after = min(self.created(), self.size)
        trial = self.trial
        for instance in self.workers[before:after]:
            with trial.lock:
                if instance.state == "pending":
                    instance.state = "running"
            trial.output.send({"type": "requested", "actor": instance.name, "t": t})

    def start_lane(self, t):
        """A process pool's callbacks run on the executor's result-handler thread, started with it."""
        from .trial import ActorServices

        trial = self.trial
        lane = self.lane
        handler = getattr(self.executor, "_executor_manager_thread", None)
        tid = getattr(handler, "native_id", None)
        with trial.lock:
            if lane.state != "pending":
                return
            lane.state = "running"
        trial.output.send({"type": "requested", "actor": lane.name, "t": t})
        trace = trial.new_trace(lane)
        pid, ppid = os.getpid(), os.getppid()
        trace.emit("actor", "B", {"kind": "thread", "pid": pid, "ppid": ppid, "threadId": tid, "role": "pool callbacks"})
        trace.with_next_flush.append({"type": "started", "actor": lane.name, "pid": pid, "ppid": ppid, "threadId": tid, "t": trace.now()})
        trace.flush()
        self.lane_services = ActorServices(trial, lane, trace, True, lane.facts(pid, ppid, tid))

    # --- tasks ------------------------------------------------------------------------------------

    def submit(self, services, function, arg, callback):
        """Hands one task to the executor; the future's id (``<pool>#<n>``) and, for a callback that ran
        at once on the submitter (the task was done already), its failure."""
        trial = self.trial
        with self.lock:
            if self.closed or self.stopping:
                raise ActorFailure("pool %s is shut down: it accepts no more tasks" % self.name)
            if trial.status is not None:
                raise ActorFailure("the trial is ending")
            if function not in self.functions:
                raise ActorFailure("no function named %s" % function)
            task = self.next_task
            self.next_task += 1
            first = self.executor is None
            if first:
                self.start()
            before = self.created()
            t = trial.now()
            if self.kind == "thread":
                future = self.executor.submit(_thread_task, task, function, arg)
            else:
                future = self.executor.submit(_process_task, task, function, arg)
            self.note_created(before, t)
            if first and self.lane is not None:
                self.start_lane(t)
            self.futures[task] = future
        future.add_done_callback(self.count_done)
        future_id = "%s#%d" % (self.name, task)
        inline_error = None
        if callback:
            inline_error = self.attach(future, future_id, callback, services)
        return future_id, inline_error

    def count_done(self, future):
        if not future.cancelled() and future.exception() is None:
            with self.lock:
                self.completed += 1

    async def result(self, services, task, future_id, timeout_ms):
        future = self.futures.get(task)
        if future is None:
            raise ActorFailure("no future %s" % future_id)
        timeout = _seconds(timeout_ms)

        def wait():
            try:
                concurrent.futures.wait([future], timeout)
            except Exception:  # noqa: BLE001 - what the future holds is read below
                pass
            return future.done()

        done = future.done() or await services.offload(wait)
        if not done:
            raise ActorFailure("future %s was not done within %s ms" % (future_id, json.dumps(timeout_ms)))
        ok, value, error = outcome_of(future)
        if not ok:
            raise ActorFailure("task %s failed: %s" % (future_id, error or "unknown error"))
        return value

    # --- callbacks --------------------------------------------------------------------------------

    def attach(self, future, future_id, callback, submitter):
        submitter_thread = threading.get_ident()
        inline = []

        def on_done(done):
            if threading.get_ident() == submitter_thread:
                error = self.run_callback(done, future_id, callback, submitter, True)
                if error is not None:
                    inline.append(error)
            else:
                self.run_callback(done, future_id, callback, None, False)

        future.add_done_callback(on_done)
        return inline[0] if inline else None

    def run_callback(self, future, future_id, callback, submitter, inline):
        """Runs one callback on the thread CPython called it on; returns its failure when inline."""
        from .trial import ActorServices

        trial = self.trial
        # A pool stopped with its trial cancels its queued tasks: their callbacks are not run (as the
        # Node engine's stopped callbacks lane runs none).
        if trial.status is not None or self.stopping:
            return None
        if inline:
            instance = submitter.instance
            services = ActorServices(submitter.trial, instance, submitter.trace, True, submitter.self_facts)
        elif self.kind == "thread":
            worker = getattr(_local, "worker", None)
            if worker is None:
                return None
            instance, services = worker.instance, worker.services
        else:
            if self.lane_services is None:
                return None
            instance, services = self.lane, self.lane_services
        trace = services.trace
        if instance.stop_reason is not None or trace.closed:
            return None
        ok, value, error = outcome_of(future)
        thread = threading.current_thread()
        trace.emit("callback", "B", {"callback": callback, "future": future_id, "pid": os.getpid(), "threadId": threading.get_native_id(), "thread": thread.name})
        try:
            drive(run_function(services, self.functions, callback, value, {"future": {"id": future_id, "ok": ok, "value": value, "error": error}}))
        except Exception as failure:  # noqa: BLE001 - a failed callback fails its actor, visibly
            trace.emit("callback", "E", {"callback": callback, "future": future_id, "ok": False})
            message = "callback %s for %s failed: %s" % (callback, future_id, failure_text(failure))
            if inline:
                return message
            trace.emit("actor", "E", {"ok": False, "error": message})
            trace.flush()
            trial.output.send({"type": "done", "actor": instance.name, "ok": False, "error": message, "emitted": trace.emitted, "dropped": trace.dropped, "t": trace.now()})
            trace.closed = True
            trial.end_instance(instance, "failed", message)
            return None
        trace.emit("callback", "E", {"callback": callback, "future": future_id, "ok": True})
        trace.flush()
        return None

    # --- the end --------------------------------------------------------------------------------

    async def shutdown(self, services, wait):
        with self.lock:
            self.closed = True
            executor = self.executor
        if executor is None:
            return
        if wait:
            await services.offload(lambda: executor.shutdown(wait=True))
            self.finish_workers()
        else:
            # No new task from now on (refused above); the workers end once the queue is empty.
            threading.Thread(target=self.shutdown_later, name="conlab-pool-shutdown", daemon=True).start()

    def shutdown_later(self):
        self.executor.shutdown(wait=True)
        self.finish_workers()

    def finish_workers(self):
        """After the executor has joined its workers: each worker (and the lane) ends completed."""
        trial = self.trial
        for instance in self.instances():
            with trial.lock:
                running = instance.state == "running" and instance.stop_reason is None
            if not running:
                continue
            if instance.kind == "thread" and instance.trace is not None and not instance.trace.closed:
                trial.report_done(instance, instance.trace, None)
            trial.end_instance(instance, "completed", None)

    def stop_instance(self, instance, reason):
        """Trial.stop for one of this pool's actors (its stop reason is set): the executor takes no more
        tasks, a thread's trace is closed, a worker process gets SIGTERM and SIGKILL after the grace."""
        trial = self.trial
        with self.lock:
            first = not self.stopping
            self.stopping = True
            executor = self.executor
        if first and executor is not None:
            try:
                executor.shutdown(wait=False, cancel_futures=True)
            except Exception:  # noqa: BLE001 - a broken executor is being stopped anyway
                pass
        if instance.kind == "thread":
            if instance.trace is not None:
                instance.trace.close()
                trial.output.send({"type": "done", "actor": instance.name, "ok": False, "error": "stopped", "emitted": instance.trace.emitted, "dropped": instance.trace.dropped, "t": trial.now()})
            trial.end_instance(instance, reason, None)
            return
        pid = self.pids[instance.index] if self.pids is not None else 0
        process = self.processes.get(pid) if pid else None
        if process is None:
            trial.end_instance(instance, reason, None)
            return
        threading.Thread(target=self.stop_process, args=(instance, pid, process, reason), name="conlab-pool-stop", daemon=True).start()

    def stop_process(self, instance, pid, process, reason):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        if not mp_connection.wait([process.sentinel], STOP_GRACE_S):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            mp_connection.wait([process.sentinel], 1.0)
            self.trial.output.end_cut_line()
        self.trial.end_instance(instance, reason, None)

    def metrics(self):
        return {"size": self.size, "maxRunning": self.gauge.peak(), "tasks": self.completed}


def outcome_of(future):
    if future.cancelled():
        return False, None, "cancelled"
    failure = future.exception()
    if failure is not None:
        return False, None, failure_text(failure)
    return future.result()


class Pools:
    """The spec's pools of one trial; their worker and lane instances are added to the trial's."""

    def __init__(self, trial, sizes, new_instance):
        self.pools = {}
        cpus = os.cpu_count() or 1
        for name, spec in (trial.spec.get("pools") or {}).items():
            size = sizes.get(name)
            if not isinstance(size, int) or size < 1:
                size = spec.get("size") or (cpus if spec["kind"] == "process" else min(32, cpus + 4))
            self.pools[name] = Pool(trial, name, spec, int(size), new_instance)

    def get(self, name):
        pool = self.pools.get(name)
        if pool is None:
            raise ActorFailure("no pool named %s" % name)
        return pool

    def future(self, future_id):
        name, _, task = future_id.rpartition("#")
        pool = self.pools.get(name)
        if pool is None or not task.isdigit():
            raise ActorFailure("no future %s" % future_id)
        return pool, int(task)

    def metrics(self):
        return {name: pool.metrics() for name, pool in self.pools.items()}
