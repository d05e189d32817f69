"""An actor's trace buffer: the same events as the Node engine's TraceBuffer, in the same batches.

Guarantees: sequence numbers start at 0 and have no gaps among recorded events; once the budget is
spent, events are counted as dropped. A closed buffer (its actor was stopped, as a daemon thread is
when the trial ends) records nothing more: what it emits after that is not part of the trial.
"""

import json
import threading
import time


class TraceBuffer:
    def __init__(self, actor, trial, origin_ns, budget, output, batch_size=1000):
        self.actor = actor
        self.trial = trial
        self.origin_ns = origin_ns
        self.budget = budget
        self.output = output
        self.batch_size = batch_size
        self.rows = []
        self.first_seq = 0
        self.next_seq = 0
        self.dropped = 0
        self.mute_depth = 0
        self.closed = False
        # Lines that go out with the next batch, not on their own: a thread that wrote at once when it
        # starts would hand the GIL back to its starter (a write releases it) before its first step.
        self.with_next_flush = []
        # A stopped actor's buffer is flushed by whoever stops it: another thread, or a signal handler
        # on the actor's own thread (hence re-entrant).
        self.lock = threading.RLock()

    def now(self):
        return time.monotonic_ns() - self.origin_ns

    @property
    def emitted(self):
        return self.next_seq

    @property
    def muted(self):
        return self.mute_depth > 0

    def emit(self, op, ph, data=None, force=False):
        if self.closed or (self.mute_depth > 0 and not force):
            return
        if self.next_seq >= self.budget:
            self.dropped += 1
            return
        t = self.now()
        with self.lock:
            self.rows.append([self.next_seq, t, op, ph] if data is None else [self.next_seq, t, op, ph, data])
            self.next_seq += 1
            full = len(self.rows) >= self.batch_size
        if full:
            self.flush()

    def flush(self):
        with self.lock:
            lines, self.with_next_flush = self.with_next_flush, []
        for line in lines:
            self.output.send(line)
        with self.lock:
            rows = self.rows
            if not rows:
                return
            self.rows = []
            first = self.first_seq
            self.first_seq += len(rows)
        self.output.send({
            "type": "batch",
            "batch": {
                "trial": self.trial,
                "actor": self.actor,
                "firstSeq": first,
                "count": len(rows),
                "tFirst": rows[0][1],
                "tLast": rows[-1][1],
                "payload": json.dumps(rows, separators=(",", ":"), allow_nan=False),
            },
        })

    def close(self):
        """Flushes what was recorded and records nothing more."""
        self.flush()
        self.closed = True
