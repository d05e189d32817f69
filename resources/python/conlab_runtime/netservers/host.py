"""The trial's side of its servers: each starts as a process of its own in the trial's process group
(a cancelled trial's group kill takes it too), listening before any actor starts; at the end of the
trial each is told to stop, reports its figures (the trial metrics ``server.<name>.*`` the claims
read) and exits. ADDRESSES is what the client steps and the ``{"port": name}`` value look up; a
forked process actor inherits it."""

import json
import os
import select
import subprocess
import sys
import time

from . import save_dir

ADDRESSES = {}
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 3.0
DEFAULTS = {"host": "127.0.0.1", "port": 0, "framing": {"kind": "none"}, "workers": 2, "maxThreads": 128, "maxProcesses": 32, "backlog": 511}


class ServerStartError(Exception):
    pass


ADDRESSES_ENV = "CONLAB_SERVER_ADDRESSES"


def address(name):
    if not ADDRESSES and os.environ.get(ADDRESSES_ENV):
        # A process actor started with the spawn method (not a fork) has not inherited the table: the
        # trial left it in the environment its children inherit.
        try:
            ADDRESSES.update(json.loads(os.environ[ADDRESSES_ENV]))
        except ValueError:
            pass
    found = ADDRESSES.get(name) if isinstance(name, str) else None
    if found is None:
        from ..common import ActorFailure
        raise ActorFailure("no server named %s is running in this trial" % name)
    return found


def read_line(proc, deadline):
    """One line from a server's stdout, waiting no later than deadline (None: it said nothing in time)."""
    buffer = b""
    fd = proc.stdout.fileno()
    while b"\n" not in buffer:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return None
        chunk = os.read(fd, 65536)
        if not chunk:
            return None
        buffer += chunk
    try:
        return json.loads(buffer.split(b"\n", 1)[0])
    except ValueError:
        return None


class Servers:
    def __init__(self, spec):
        self.specs = spec.get("servers") or {}
        self.running = {}

    def start_all(self):
        """Starts every server at once and waits until each listens; raises ServerStartError naming the first that could not."""
        started = []
        for name, raw in self.specs.items():
            config = dict(DEFAULTS)
            config.update(raw)
            if config.get("protocol") == "http":
                config.setdefault("headTimeoutMs", 10000)
            handler = config["handler"]
            if handler.get("kind") == "file-receive" and handler.get("saveDir") is not None:
                try:
                    config["saveDirPath"] = save_dir.ensure_dir(handler["saveDir"], "servers.%s.handler.saveDir" % name)
                except ValueError as error:
                    self.stop_all()
                    raise ServerStartError("server %s could not start: %s" % (name, error))
            proc = subprocess.Popen(
                [sys.executable, "-m", "conlab_runtime.netservers"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
            )
            proc.stdin.write((json.dumps({"config": config}) + "\n").encode("utf-8"))
            proc.stdin.flush()
            started.append((name, config, proc))
            self.running[name] = (config, proc)
        deadline = time.monotonic() + START_TIMEOUT_S
        for name, config, proc in started:
            line = read_line(proc, deadline)
            if line is None or line.get("type") != "listening":
                why = line.get("message") if isinstance(line, dict) and line.get("message") else "it did not report listening within %d s" % START_TIMEOUT_S
                self.stop_all()
                raise ServerStartError("server %s could not start: %s" % (name, why))
            ADDRESSES[name] = {"host": config["host"], "port": int(line["port"]), "protocol": config["protocol"]}
        if ADDRESSES:
            os.environ[ADDRESSES_ENV] = json.dumps(ADDRESSES)

    def stop_all(self):
        """Stops every server (bounded); returns their figures as trial metrics."""
        metrics = {}
        for name, (_config, proc) in self.running.items():
            try:
                proc.stdin.write(b"stop\n")
                proc.stdin.close()
            except OSError:
                pass
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for name, (config, proc) in list(self.running.items()):
            line = read_line(proc, deadline)
            try:
                proc.wait(max(0.05, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            if name not in ADDRESSES or not isinstance(line, dict) or line.get("type") != "metrics":
                continue
            metrics["server.%s.port" % name] = ADDRESSES[name]["port"]
            for key in ("connectionsAccepted", "maxConcurrentConnections", "requests", "bytesIn", "bytesOut", "cpuMs", "threadsUsed", "processesUsed"):
                metrics["server.%s.%s" % (name, key)] = line.get(key, 0)
            if config["handler"].get("kind") == "file-receive":
                metrics["server.%s.filesRefused" % name] = line.get("filesRefused", 0)
        self.running.clear()
        return metrics
