"""An actor's trace buffer: the same events as the Node engine's TraceBuffer, in the same batches.

Guarantees: sequence numbers start at 0 and have no gaps among recorded events; once the budget is
spent, events are counted as dropped. A closed buffer (its actor was stopped, as a daemon thread is
when the trial ends) records nothing more: what it emits after that is not part of the trial.
"""

import signal
import threading
import time

from .output import line_encoder

_monotonic_ns = time.monotonic_ns


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
        # Lock steps' events not recorded while muted (a summary repeat): its end states them.
        self.muted_acquires = 0
        self.muted_releases = 0
        self.closed = False
        # Lines that go out with the next batch, not on their own: a thread that wrote at once when it
        # starts would hand the GIL back to its starter (a write releases it) before its first step.
        self.with_next_flush = []
        # Only the actor's own thread records events (emit takes no lock). A stopped actor's buffer is
        # flushed by whoever stops it: another thread, or a signal handler on the actor's own thread
        # (hence re-entrant); flushes take turns on this lock.
        self.lock = threading.RLock()
        # Flushes under way (flush may run inside flush: a stop's, from a signal handler), the thread of
        # the outermost one, and what a signal handler left to run once it is done (defer_until_flushed).
        self.flushing = 0
        self.flushing_thread = None
        self.after_flush = None
        # The id of the step now running (its pre-order number in the actor's program, as
        # src-main/model/program-text.ts numbers it), set by the interpreter before each step; -1
        # outside the program. Events carry it as a sixth element, as the Node engine's do.
        self.step = -1

    def now(self):
        return time.monotonic_ns() - self.origin_ns

    @property
    def emitted(self):
        # Once closed, what was sent: an event its thread was recording while another thread closed
        # the buffer may have missed the last batch, and is then not counted either.
        return self.first_seq if self.closed else self.next_seq

    @property
    def muted(self):
        return self.mute_depth > 0

    def emit(self, op, ph, data=None, force=False):
        # No lock: only the actor's own thread records (see ``flush`` for the one other writer).
        if self.closed or (self.mute_depth and not force):
            if self.mute_depth and not force:
                if op == "acquire":
                    self.muted_acquires += 1
                elif op == "release":
                    self.muted_releases += 1
            return
        seq = self.next_seq
        if seq >= self.budget:
            self.dropped += 1
            return
        rows = self.rows
        step = self.step
        if step >= 0:
            rows.append([seq, _monotonic_ns() - self.origin_ns, op, ph, {} if data is None else data, step])
        else:
            rows.append([seq, _monotonic_ns() - self.origin_ns, op, ph] if data is None else [seq, _monotonic_ns() - self.origin_ns, op, ph, data])
        self.next_seq = seq + 1
        if len(rows) >= self.batch_size:
            self.flush()

    def end_data(self, data):
        """A summary repeat's end data, once unmuted: with how many acquire and release events it did not
        record (``muted``), when there were any; an inner repeat (still muted) leaves them to the outer one."""
        if self.mute_depth or not (self.muted_acquires or self.muted_releases):
            return data
        muted = {}
        if self.muted_acquires:
            muted["acquire"] = self.muted_acquires
        if self.muted_releases:
            muted["release"] = self.muted_releases
        self.muted_acquires = 0
        self.muted_releases = 0
        return dict(data, muted=muted)

    def flush(self, *also, soon=False):
        """Sends what was recorded: the lines waiting for it, a batch of the events, then ``also``
        (messages that must follow them), all in one write. The lock is held until the line is out:
        whoever closes the buffer meanwhile (and then counts what was sent) waits for it. ``soon``:
        an actor's last lines, handed to the output to write soon (Output.send_many_soon)."""
        with self.lock:
            if self.flushing == 0:
                self.flushing_thread = threading.get_ident()
            self.flushing += 1
            try:
                self._flush(also, soon)
            finally:
                self.flushing -= 1
            hook = None
            if self.flushing == 0:
                hook, self.after_flush = self.after_flush, None
        if hook is not None:
            hook()

    def _flush(self, also, soon):
        lines, self.with_next_flush = self.with_next_flush, []
        # One encoder for the batch's payload and every line of this write.
        encode = line_encoder()
        rows = self.rows
        if rows:
            self.rows = []
            # A copy: should another thread be closing the buffer, the actor's thread may still
            # append to the list it had (that event is then lost, and not counted: see emitted).
            rows = rows[:]
            lines.append({
                "type": "batch",
                "batch": {
                    "trial": self.trial,
                    "actor": self.actor,
                    "firstSeq": self.first_seq,
                    "count": len(rows),
                    "tFirst": rows[0][1],
                    "tLast": rows[-1][1],
                    "payload": encode(rows),
                },
            })
        lines.extend(also)
        if soon and lines:
            self.output.send_many_soon(lines, encode)
        elif lines:
            self.output.send_many(lines, encode)
        if rows:
            self.first_seq += len(rows)

    def defer_until_flushed(self, action):
        """For a signal handler on the thread that records: runs action now, or, if that thread was
        interrupted in the middle of a flush, once the flush is done. A flush takes the rows out of the
        buffer before it sends them: a stop run inside it would flush again, find nothing, and leave the
        process with the rows unsent."""
        if self.flushing and self.flushing_thread == threading.get_ident():
            self.after_flush = action
        else:
            action()

    def close(self):
        """Records nothing more, and flushes what was recorded."""
        self.closed = True
        self.flush()


def stop_on_sigterm(trace, output, stop_now):
    """SIGTERM stops this process actor: ``stop_now`` (which closes the trace, says it is done and exits)
    runs once the flush and the line the signal interrupted, if any, are out."""
    signal.signal(signal.SIGTERM, lambda _signum, _frame: trace.defer_until_flushed(lambda: output.defer_until_sent(stop_now)))
