"""The spec's ``pipes``: multiprocessing.Pipe()s made when the trial starts, so that every actor reaches
both ends, threads and tasks through this process and process actors through the copies a fork gives
them. Closing an end closes the copy of the closing actor's process only; a receiver sees EOF once
every copy of the other end is closed (the parent's included: close the end you do not use).

Guarantees: messages from one sender arrive whole and in order. Not guaranteed: two actors using the
same end at the same moment (multiprocessing connections are not safe for that), fairness.
"""

import multiprocessing

from .common import ActorFailure


class Pipes:
    def __init__(self, spec):
        self.ends = {}
        self.duplex = {}
        for name, declared in (spec.get("pipes") or {}).items():
            duplex = declared.get("duplex", True) is not False
            receiver, sender = multiprocessing.Pipe(duplex=duplex)
            self.ends[name] = [receiver, sender]
            self.duplex[name] = duplex

    def end(self, name, end):
        if name not in self.ends:
            raise ActorFailure("no pipe named %s" % name)
        if end not in (0, 1):
            raise ActorFailure("a pipe's end is 0 or 1, got %r" % (end,))
        conn = self.ends[name][end]
        if conn.closed:
            raise ActorFailure("end %d of pipe %s is closed in this process" % (end, name))
        return conn

    def send(self, name, end, value):
        conn = self.end(name, end)
        if not self.duplex[name] and end == 0:
            raise ActorFailure("pipe %s is one-way: end 0 only receives (send from end 1)" % name)
        try:
            conn.send(value)
        except (BrokenPipeError, ConnectionResetError):
            raise ActorFailure("pipe %s: every copy of the other end is closed, nobody can receive" % name)

    def recv(self, name, end, timeout_s):
        """('message', value), ('eof', None) or ('timeout', None)."""
        conn = self.end(name, end)
        if not self.duplex[name] and end == 1:
            raise ActorFailure("pipe %s is one-way: end 1 only sends (receive at end 0)" % name)
        try:
            if not conn.poll(timeout_s):
                return "timeout", None
            return "message", conn.recv()
        except EOFError:
            return "eof", None
        except ConnectionResetError:
            return "eof", None

    def close(self, name, end):
        self.end(name, end).close()
