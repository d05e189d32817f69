"""Helpers every step handler shares: the failure type, numbers as JavaScript sees them, the compute loop."""

import json
import math
import re


class ActorFailure(Exception):
    """An actor's program failed; the message says why."""


def drive(coroutine):
    """Runs a coroutine that never suspends (a thread or process actor's program) to its end."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("an actor on its own thread tried to wait on an event loop")


def spin(iterations):
    """A deterministic integer loop: the CPU work of a ``compute`` step (the same result as the Node spin)."""
    x = 0
    for i in range(iterations):
        x = (x * 31 + i) & 0xFFFFFFFF
    return x - 0x100000000 if x >= 0x80000000 else x


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def as_number(value, what):
    if _is_number(value):
        return value
    raise ActorFailure("%s must be a number, got %s" % (what, json.dumps(value)))


def js_number(value):
    """Whole floats as ints, so that 3.0 prints and compares as the Node engine's 3."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


def strict_equal(a, b):
    """JavaScript's ===: numbers by value, everything else by type and value."""
    if _is_number(a) and _is_number(b):
        return a == b
    if type(a) is not type(b):
        return False
    return a == b if not isinstance(a, (list, dict)) else a is b


def compare(a, op, b):
    if op == "==":
        return strict_equal(a, b)
    if op == "!=":
        return not strict_equal(a, b)
    try:
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        if op == ">=":
            return a >= b
    except TypeError:
        return False
    raise ActorFailure("unknown comparison %r" % (op,))


LOG_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_-]*)\}")


class ReturnSignal(Exception):
    def __init__(self, value):
        super().__init__("return")
        self.value = value
