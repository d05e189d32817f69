"""What a server counts while it runs: the same figures as src-main/net/server-metrics.ts. Threads of
the server process update them under a lock; child processes (process-per-connection, cluster)
report to the server process as short lines on one shared pipe (a write under PIPE_BUF is atomic),
which one thread applies in the order they were written."""

import json
import os
import resource
import threading


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.accepted_n = 0
        self.refused_n = 0
        self.current = 0
        self.max_concurrent = 0
        self.requests_n = 0
        self.bytes_in = 0
        self.bytes_out = 0
        self.files_refused = 0
        self.threads_used = 1
        self.current_threads = 1
        self.max_threads = 1
        self.processes_used = 1
        self.current_processes = 1
        self.max_processes = 1
        self.children_cpu_ms = 0.0
        self.extra_thread_idents = set()
        # The server process's CPU when it began to serve: its interpreter's start-up is not the model's work.
        self.cpu_origin_ms = 0.0

    def start_cpu_clock(self):
        own = resource.getrusage(resource.RUSAGE_SELF)
        self.cpu_origin_ms = (own.ru_utime + own.ru_stime) * 1000.0

    def accepted(self):
        with self.lock:
            self.accepted_n += 1
            self.current += 1
            self.max_concurrent = max(self.max_concurrent, self.current)

    def closed(self):
        with self.lock:
            self.current -= 1

    def refused(self):
        with self.lock:
            self.refused_n += 1

    def file_refused(self):
        with self.lock:
            self.files_refused += 1

    def traffic(self, bytes_in=0, bytes_out=0, requests=0):
        with self.lock:
            self.bytes_in += bytes_in
            self.bytes_out += bytes_out
            self.requests_n += requests

    def thread_started(self):
        with self.lock:
            self.threads_used += 1
            self.current_threads += 1
            self.max_threads = max(self.max_threads, self.current_threads)

    def thread_ended(self):
        with self.lock:
            self.current_threads -= 1

    def pool_thread(self, ident):
        """A worker-pool thread serves: counted once, the first time."""
        with self.lock:
            if ident in self.extra_thread_idents:
                return
            self.extra_thread_idents.add(ident)
            self.threads_used += 1
            self.current_threads += 1
            self.max_threads = max(self.max_threads, self.current_threads)

    def process_started(self):
        with self.lock:
            self.processes_used += 1
            self.current_processes += 1
            self.max_processes = max(self.max_processes, self.current_processes)

    def process_ended(self, cpu_ms):
        with self.lock:
            self.current_processes -= 1
            self.children_cpu_ms += cpu_ms

    def apply(self, event):
        """A child's report: [kind, ...]."""
        kind = event[0]
        if kind == "acc":
            self.accepted()
        elif kind == "cls":
            self.closed()
        elif kind == "io":
            self.traffic(event[1], event[2], event[3])
        elif kind == "fref":
            self.file_refused()
        elif kind == "end":
            self.process_ended(float(event[1]))

    def snapshot(self):
        own = resource.getrusage(resource.RUSAGE_SELF)
        with self.lock:
            return {
                "connectionsAccepted": self.accepted_n,
                "connectionsRefused": self.refused_n,
                "maxConcurrentConnections": self.max_concurrent,
                "requests": self.requests_n,
                "bytesIn": self.bytes_in,
                "bytesOut": self.bytes_out,
                "filesRefused": self.files_refused,
                "cpuMs": max(0.0, (own.ru_utime + own.ru_stime) * 1000.0 - self.cpu_origin_ms) + self.children_cpu_ms,
                "threadsUsed": self.threads_used,
                "processesUsed": self.processes_used,
            }


def own_cpu_ms():
    t = os.times()
    return (t.user + t.system) * 1000.0


class ChildReporter:
    """A child process's side of the pipe: counts go to the server process as lines."""

    def __init__(self, fd):
        self.fd = fd
        self.lock = threading.Lock()

    def send(self, *event):
        data = (json.dumps(event, separators=(",", ":")) + "\n").encode("ascii")
        with self.lock:
            try:
                os.write(self.fd, data)
            except OSError:
                pass

    # The Counters interface, as a child uses it.
    def accepted(self):
        self.send("acc")

    def closed(self):
        self.send("cls")

    def traffic(self, bytes_in=0, bytes_out=0, requests=0):
        self.send("io", bytes_in, bytes_out, requests)

    def file_refused(self):
        self.send("fref")

    def refused(self):
        pass

    def ended(self):
        self.send("end", own_cpu_ms(), os.getpid())


def read_reports(fd, counters, on_end=None):
    """The server process's thread that applies its children's lines (until every writer closed)."""
    pending = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return
        if not chunk:
            return
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            counters.apply(event)
            if event and event[0] == "end" and on_end is not None:
                on_end(event)
