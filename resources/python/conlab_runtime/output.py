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
# How long lines sent "soon" may wait for someone else's write before a flusher thread writes them.
FLUSH_SOON_S = 0.01
_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
# One encoder for every line (json.dumps with options would build a new one per call).
encode_json = _ENCODER.encode

try:
    from json.encoder import c_make_encoder as _c_make_encoder, encode_basestring_ascii as _c_encode_string
except ImportError:  # pragma: no cover - an interpreter built without _json
    _c_make_encoder = None


def _default(value):
    return _ENCODER.default(value)


def line_encoder():
    """``encode(value) -> str``, the same text as ``encode_json``, for the lines of one write: the C
    encoder that ``encode_json`` builds anew for every value is built once here (that build is most of
    what a short line costs). A fresh one for each write: it holds the circular-reference marks of the
    value it encodes, which a failed encoding may leave behind."""
    if _c_make_encoder is None or _c_encode_string is None:
        return encode_json
    try:
        encoder = _c_make_encoder({}, _default, _c_encode_string, None, ":", ",", False, False, False)
    except TypeError:  # another signature: the general path
        return encode_json

    def encode(value):
        if isinstance(value, str):
            return _c_encode_string(value)
        return "".join(encoder(value, 0))
    return encode


def encode_lines(messages, encode=None):
    """Several messages as JSON lines, one bytes value (``encode``: a line_encoder already at hand)."""
    if encode is None:
        encode = line_encoder()
    return "".join([encode(m) + "\n" for m in messages]).encode("utf-8")


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
        # Lines sent soon (send_many_soon): written before the next line anyone writes, else by the
        # flusher thread (made at the first of them) within FLUSH_SOON_S.
        self.pending = []
        self.pending_lock = threading.Lock()
        self.soon = threading.Event()
        self.pause = threading.Event()
        self.flusher = None
        os.register_at_fork(before=self.not_alone, after_in_child=self.forget_pending)

    def not_alone(self):
        self.alone = False

    def forget_pending(self):
        # A forked child writes with an Output of its own: the parent's lines are the parent's to write.
        self.pending = []
        self.pending_lock = threading.Lock()
        self.flusher = None

    def send(self, message):
        self.send_raw((encode_json(message) + "\n").encode("utf-8"))

    def send_many(self, messages, encode=None):
        """Several lines in one write (one turn of the lock, one system call)."""
        if messages:
            self.send_raw(encode_lines(messages, encode))

    def send_many_soon(self, messages, encode=None):
        """Several lines, written soon rather than now: a thread actor's last lines. Writing lets go of
        the GIL, and the thread would then wait to have it back only to end, while its starter and
        the next actor take turns with it; this way it ends at once. Lines keep their order with
        every other line (whoever writes next writes these first)."""
        data = encode_lines(messages, encode)
        with self.pending_lock:
            self.pending.append(data)
            start = self.flusher is None
            if start:
                self.flusher = threading.Thread(target=self.flush_soon, name="conlab-output-flush", daemon=True)
        if start:
            self.flusher.start()
        self.soon.set()

    def flush_soon(self):
        while True:
            self.soon.wait()
            # A moment for more to gather (an Event never set: time.sleep may be gevent's here).
            self.pause.wait(FLUSH_SOON_S)
            self.soon.clear()
            self.send_raw(b"")

    def send_raw(self, data):
        self.busy = True
        try:
            with self.lock:
                if self.pending:
                    with self.pending_lock:
                        data, self.pending = b"".join(self.pending) + data, []
                if not data:
                    pass
                elif self.alone:
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
