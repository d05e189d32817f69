"""The one way out to the Node host: JSON lines on file descriptor 1.

Every process of the trial (the orchestrator, and each multiprocessing child it starts) writes whole
lines, so lines of different processes never interleave. Processes take turns with flock(2) on a lock
file that each opens for itself: the kernel drops such a lock when its holder dies, so a child killed
in the middle of a line (SIGKILL after its stop grace period) cannot leave every other writer waiting
forever, as a multiprocessing lock (a semaphore nobody would ever release) did. Threads of one process
take turns on a lock of that process, created where the Output is: an Output is never inherited
across fork, each process makes its own.
"""

import fcntl
import json
import os
import threading

LOCK_FILE = ".conlab-output.lock"
# One encoder for every line (json.dumps with options would build a new one per call).
encode_json = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode


class Output:
    def __init__(self, lock_path):
        self.lock_path = lock_path
        # A descriptor of this process's own (an open, not a dup): flock between it and the descriptors
        # other processes opened excludes them; close-on-exec keeps it out of anything exec'd.
        self.fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self.lock = threading.Lock()
        # Set while this process writes a line (read by a signal handler on the writing thread, which
        # must not start a line of its own in the middle of one: see defer_until_sent).
        self.busy = False
        self.after_send = None
        # True while no other process writes lines (a trial without process actors says so): the
        # lock file is then not taken. Any fork of this process makes it false again first.
        self.alone = False
        os.register_at_fork(before=self.not_alone)

    def not_alone(self):
        self.alone = False

    def send(self, message):
        self.send_raw((encode_json(message) + "\n").encode("utf-8"))

    def send_many(self, messages):
        """Several lines in one write (one turn of the lock, one system call)."""
        if messages:
            self.send_raw("".join([encode_json(m) + "\n" for m in messages]).encode("utf-8"))

    def send_raw(self, data):
        self.busy = True
        try:
            with self.lock:
                if self.alone:
                    self.write_all(data)
                else:
                    fcntl.flock(self.fd, fcntl.LOCK_EX)
                    try:
                        self.write_all(data)
                    finally:
                        fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.busy = False
        hook, self.after_send = self.after_send, None
        if hook is not None:
            hook()

    @staticmethod
    def write_all(data):
        view = memoryview(data)
        while view:
            written = os.write(1, view)
            view = view[written:]

    def end_cut_line(self):
        """Ends with a line break whatever a killed process left half-written, so that it does not
        swallow the next whole line (the host skips blank lines and reports any it cannot read)."""
        self.send_raw(b"\n")

    def defer_until_sent(self, action):
        """For a signal handler: runs action now, or, if the interrupted code was writing a line, as
        soon as that line is out (a handler that wrote at once would wait for itself, or cut the line)."""
        if self.busy:
            self.after_send = action
        else:
            action()
