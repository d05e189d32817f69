"""generator_pingpong: two real Python generators handing a value back and forth, timed as a whole
(each hand-over is a switch into the generator or back; tracing each would cost far more than it)."""

import time

from ..step_table import handler

MAX_SWITCHES = 1_000_000_000


def _consumer():
    received = 0
    while True:
        received = yield received + 1


def ping_pong(switches):
    """Sends into a generator until ``switches`` switches are done: each send is two (in and back)."""
    target = _consumer()
    next(target)
    send = target.send
    value = 0
    count = 0
    while count < switches:
        value = send(value)
        count += 2
    target.close()
    return count


@handler("generator_pingpong")
async def _generator_pingpong(it, step):
    trace = it.services.trace
    switches = int(it.amount(step["switches"], "generator_pingpong.switches", MAX_SWITCHES))
    trace.emit("generator_pingpong", "B", {"switches": switches})
    trace.flush()
    started = time.perf_counter_ns()
    exchanged = ping_pong(switches)
    ms = (time.perf_counter_ns() - started) / 1e6
    result = {"switches": exchanged, "ms": ms, "perSecond": exchanged / ms * 1000 if ms > 0 else None}
    trace.emit("generator_pingpong", "E", result)
    if step.get("into"):
        it.locals[step["into"]] = result
