"""Entry point: ``python3 -m conlab_runtime --info`` prints this interpreter's facts as one JSON line;
``python3 -m conlab_runtime`` runs one trial.

The trial protocol, JSON lines both ways (stdin from the Node host, stdout to it):
  in  {"type":"trial", spec, trial, originNs, eventBudget, startMethod?}
  out {"type":"hello", monotonicNs, pid, threadId, ...interpreter facts}      (the clock handshake)
  in  {"type":"go", clockOffsetNs}                                             (add to originNs)
  out batch / requested / started / done / ended lines while the trial runs, then one "result"
  out {"type":"refused", message} when the spec asks for something this runtime does not have
  out {"type":"alive"} every second from the hello on (the host bounds how long it waits for a line)
Closing stdin (the host died) or a new parent pid ends this process at once.
"""

import asyncio
import gc
import json
import os
import sys
import threading
import time

from .info import interpreter_info
from .interpreter import ActorFailure
from .output import LOCK_FILE, Output
from .watchdog import watch_parent

MAX_INPUT_BYTES = 64 * 1024 * 1024


def read_line():
    line = sys.stdin.buffer.readline(MAX_INPUT_BYTES + 1)
    if not line:
        os._exit(71)
    if len(line) > MAX_INPUT_BYTES:
        raise SystemExit("conlab_runtime: an input line is longer than %d bytes" % MAX_INPUT_BYTES)
    return json.loads(line)


def watch_stdin():
    """The host keeps stdin open for the whole trial: end of input means it is gone.

    Reads the raw descriptor: a thread blocked inside sys.stdin's buffered reader holds its lock, and
    a child forked meanwhile would wait forever for that lock when multiprocessing closes its stdin."""
    def read_until_eof():
        while os.read(0, 4096):
            pass
        os._exit(71)

    threading.Thread(target=read_until_eof, name="conlab-stdin-watch", daemon=True).start()


HEARTBEAT_S = 1.0


def send_heartbeats(output):
    """A line every HEARTBEAT_S for the whole trial: the host takes a long silence for a stuck
    interpreter (its output blocked, say) and ends the trial with that message instead of waiting."""
    def beat():
        while True:
            time.sleep(HEARTBEAT_S)
            output.send({"type": "alive"})

    threading.Thread(target=beat, name="conlab-heartbeat", daemon=True).start()


def cap_memory(mb):
    """Caps this interpreter's data segment (RLIMIT_DATA: the heap and private mappings; forked children
    inherit it, each for itself) at what the host derived from the run's limits: a value that keeps
    growing raises MemoryError in its actor, never takes the machine's memory. Where the platform has no
    such limit (no ``resource`` module, or RLIMIT_DATA unsupported) nothing changes."""
    try:
        import resource
        limit = int(mb) * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    except (ImportError, AttributeError, ValueError, OSError, TypeError):
        pass


def main():
    if "--info" in sys.argv[1:]:
        print(json.dumps(interpreter_info()))
        return 0
    watch_parent(os.getppid())
    info = interpreter_info()
    config = read_line()
    if config.get("type") != "trial":
        raise SystemExit("conlab_runtime: expected a trial, got %r" % config.get("type"))
    if config.get("memoryMb"):
        cap_memory(config["memoryMb"])
    start_method = config.get("startMethod") or info["startMethod"]
    output = Output(os.path.abspath(LOCK_FILE))
    output.send(dict(info, type="hello", monotonicNs=time.monotonic_ns(), pid=os.getpid(), threadId=threading.get_native_id()))
    send_heartbeats(output)
    go = read_line()
    if go.get("type") != "go":
        raise SystemExit("conlab_runtime: expected go, got %r" % go.get("type"))
    config["originNs"] = int(config["originNs"]) + int(go.get("clockOffsetNs", 0))
    watch_stdin()

    from .trial import Trial

    try:
        trial = Trial(config, output, start_method)
    except ActorFailure as refusal:
        output.send({"type": "refused", "message": str(refusal)})
        os._exit(2)
    # Everything made so far (the runtime's modules, the trial's structures) lives until this process
    # exits: out of the collector's generations, the collections the actors' own allocations set off
    # do not go through it again and again.
    freeze = getattr(gc, "freeze", None)
    if freeze is not None:
        freeze()
    asyncio.run(trial.run())
    output.send(trial.result())
    # The manager's server process (managed variables) ends with the trial.
    trial.vars.close()
    # Stopped threads cannot be joined: leave at once, as the end of the trial says.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
