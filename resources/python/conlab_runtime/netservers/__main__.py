"""One server process. JSON lines on stdin/stdout with the trial that started it:
  in  {"config": resolved server config}
  out {"type": "listening", "port": N}  or  {"type": "error", "message": ...}
  in  any line, or the end of stdin: stop
  out {"type": "metrics", ...figures}, then the process exits
It binds loopback only, port 0 (the system chooses), and ends by itself when its parent is gone."""

import json
import os
import socket
import sys

from ..watchdog import watch_parent
from .counters import Counters
from .models import model_for


def send(message):
    data = (json.dumps(message, separators=(",", ":")) + "\n").encode("utf-8")
    view = memoryview(data)
    while view:
        view = view[os.write(1, view):]


def main():
    parent = os.getppid()
    line = sys.stdin.buffer.readline(1024 * 1024)
    if not line:
        os._exit(71)
    config = json.loads(line)["config"]
    host = config.get("host", "127.0.0.1")
    if host not in ("127.0.0.1", "::1"):
        send({"type": "error", "message": "host %s is not loopback; expected 127.0.0.1 or ::1" % host})
        os._exit(2)
    family = socket.AF_INET6 if host == "::1" else socket.AF_INET
    kind = socket.SOCK_DGRAM if config["protocol"] == "udp" else socket.SOCK_STREAM
    counters = Counters()
    try:
        listener = socket.socket(family, kind)
        listener.bind((host, 0))
        if kind == socket.SOCK_STREAM:
            listener.listen(config.get("backlog", 511))
        model = model_for(config, listener, counters)
        # A cluster forks its members here, before this process has a thread of its own.
        model.start()
    except Exception as error:  # noqa: BLE001 - any failure to start is reported in one line
        send({"type": "error", "message": "%s: %s" % (type(error).__name__, error)})
        os._exit(2)
    watch_parent(parent)
    counters.start_cpu_clock()
    send({"type": "listening", "port": listener.getsockname()[1]})
    sys.stdin.buffer.readline(1024)
    model.stop()
    figures = counters.snapshot()
    figures["type"] = "metrics"
    send(figures)
    os._exit(0)


if __name__ == "__main__":
    main()
