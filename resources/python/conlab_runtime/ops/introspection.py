"""Steps that look at the actors and the operating system: list_actors, os_child, proc_state.

os_child follows the Node engine (src-main/engine/actors/os-children.ts): a process actor starts a
plain ``sh`` that exits after ``ms`` (mode exit) or sleeps ``ms`` (mode sleep). It stays in the
interpreter's process group (no new session), which the host kills at the end of the trial, so none
outlives the run. Nothing here waits for it: until its parent actor ends, an exited child is a
zombie, which is what the zombie lesson shows (the Popen objects are kept, so that subprocess's own
clean-up of forgotten children never reaps one)."""

import os
# Imported here, before any actor is forked: a forked child imports nothing (see trial.process_main).
import subprocess

from ..common import ActorFailure, as_number
from ..step_table import handler

PROCESS_KINDS = ("process", "utility")
_children = []


@handler("list_actors")
async def _list_actors(it, step):
    s = it.services
    instances = getattr(s.trial, "instances", None)
    if instances is None:
        raise ActorFailure("a process actor cannot list actors on cpython (the actor table is its parent's)")
    group = step.get("group")
    with s.trial.lock:
        names = [i.name for i in instances if i.state == "running" and (group is None or i.group == group)]
    it.locals[step["into"]] = names
    s.trace.emit("list_actors", "I", {"names": names})


def start_os_child(mode, ms):
    seconds = max(0, ms) / 1000.0
    script = "sleep %s; exit 0" % seconds if mode == "exit" else "sleep %s" % seconds
    child = subprocess.Popen(["sh", "-c", script], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True)
    _children.append(child)
    return child.pid


@handler("os_child")
async def _os_child(it, step):
    s = it.services
    if s.instance.kind not in PROCESS_KINDS:
        raise ActorFailure("os_child runs in a process actor; %s is a %s actor" % (s.instance.name, s.instance.kind))
    mode = step["mode"]
    if mode not in ("exit", "sleep"):
        raise ActorFailure("os_child.mode must be exit or sleep, got %r" % (mode,))
    ms = it.amount(step["ms"], "os_child.ms", 86400000) if "ms" in step else (100 if mode == "exit" else 0)
    try:
        pid = start_os_child(mode, ms)
    except OSError as error:
        raise ActorFailure("could not start sh: %s" % error.strerror)
    it.locals[step["into"]] = pid
    s.trace.emit("os_child", "I", {"mode": mode, "pid": pid})


def read_proc_state(pid):
    """The state letter and parent pid of a process from /proc/<pid>/stat, or None when it is gone
    (or there is no /proc). The command name sits in parentheses and may hold any character: the
    fields are counted from the last ')'."""
    if not isinstance(pid, int) or pid <= 0:
        return None
    try:
        with open("/proc/%d/stat" % pid, "rb") as handle:
            stat = handle.read(4096).decode("latin-1")
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split(" ")
    if len(fields) < 2 or not fields[1].lstrip("-").isdigit():
        return None
    return {"state": fields[0], "ppid": int(fields[1])}


@handler("proc_state")
async def _proc_state(it, step):
    s = it.services
    pid = as_number(it.evaluate(step["pid"]), "proc_state.pid")
    pid = int(pid) if pid == int(pid) else pid
    state = read_proc_state(pid)
    it.locals[step["into"]] = state
    data = {"pid": pid}
    data.update(state if state is not None else {"state": None})
    s.trace.emit("proc_state", "I", data)
