"""CPython-only steps on multiprocessing objects: the ends of a Pipe, the own lock of a shared Value or Array."""

import threading

from ..common import ActorFailure
from ..step_table import handler
from ..timeouts import seconds


def _pipes(s, step):
    """The trial's pipes, where this actor can reach them (a process pool's worker cannot)."""
    if s.pipes is None:
        raise ActorFailure("pipe %s cannot be reached from a process pool's worker on cpython: pass its values as arguments" % step["pipe"])
    return s.pipes


@handler("pipe_send")
async def _pipe_send(it, step):
    s = it.services
    value = it.evaluate(step["value"])
    s.trace.emit("pipe_send", "B", {"pipe": step["pipe"], "end": step["end"], "value": value})
    s.trace.flush()
    # A send blocks once the pipe's buffer is full, until the other side receives.
    pipes = _pipes(s, step)
    await s.offload(lambda: pipes.send(step["pipe"], step["end"], value))
    s.trace.emit("pipe_send", "E", {"pipe": step["pipe"], "end": step["end"]})


@handler("pipe_recv")
async def _pipe_recv(it, step):
    s = it.services
    s.trace.emit("pipe_recv", "B", {"pipe": step["pipe"], "end": step["end"]})
    s.trace.flush()
    timeout = seconds(step.get("timeoutMs"))
    pipes = _pipes(s, step)
    status, value = await s.offload(lambda: pipes.recv(step["pipe"], step["end"], timeout))
    data = {"pipe": step["pipe"], "end": step["end"], "status": status}
    if status == "message":
        data["value"] = value
    s.trace.emit("pipe_recv", "E", data)
    it.locals[step["into"]] = value
    if step.get("status"):
        it.locals[step["status"]] = status
    elif status != "message":
        why = "the other end is closed (EOF)" if status == "eof" else "nothing came within %s ms" % step.get("timeoutMs")
        raise ActorFailure('pipe %s end %d: %s; give the step a "status" to handle it' % (step["pipe"], step["end"], why))


@handler("pipe_close")
async def _pipe_close(it, step):
    s = it.services
    _pipes(s, step).close(step["pipe"], step["end"])
    s.trace.emit("pipe_close", "I", {"pipe": step["pipe"], "end": step["end"]})


# The variable's own lock is re-entrant per thread, and every task runs on the loop's one thread: to
# keep two tasks apart, a task first takes this process's gate of the variable, then the lock itself.
_TASK_GATES = {}
_TASK_HOLDERS = {}
_GATES_LOCK = threading.Lock()


def _task_gate(name):
    with _GATES_LOCK:
        gate = _TASK_GATES.get(name)
        if gate is None:
            gate = _TASK_GATES[name] = threading.Lock()
        return gate


@handler("var_lock")
async def _var_lock(it, step):
    s = it.services
    lock = s.vars.cell(step["var"]).lock()
    s.trace.emit("var_lock", "B", {"var": step["var"]})
    s.trace.flush()
    if s.own_thread:
        lock.acquire()
    else:
        # A task must not block the loop: it tries again each millisecond, letting the others run.
        gate = _task_gate(step["var"])
        while not gate.acquire(False):
            await s.sleep(1)
        while not lock.acquire(False):
            await s.sleep(1)
        _TASK_HOLDERS[step["var"]] = s.instance.name
    s.trace.emit("var_lock", "E", {"var": step["var"]})


@handler("var_unlock")
async def _var_unlock(it, step):
    s = it.services
    gate = None if s.own_thread else _task_gate(step["var"])
    if gate is not None and _TASK_HOLDERS.get(step["var"]) != s.instance.name:
        raise ActorFailure("%s: var_unlock without holding its lock" % step["var"])
    try:
        s.vars.cell(step["var"]).lock().release()
    except (AssertionError, RuntimeError, ValueError):
        raise ActorFailure("%s: var_unlock without holding its lock" % step["var"])
    if gate is not None:
        del _TASK_HOLDERS[step["var"]]
        gate.release()
    s.trace.emit("var_unlock", "I", {"var": step["var"]})
