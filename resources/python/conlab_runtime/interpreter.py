"""The step interpreter on CPython: the same closed step language and the same trace events as the
Node engine's interpreter (src-main/engine/actors/interpreter.ts). No user text is evaluated as code.

One interpreter serves every actor kind. It is written with ``async def`` throughout; how a step
waits is the host's business (``ActorServices``): a thread or process actor blocks its own OS thread
and its coroutine never suspends (``drive`` runs it to the end without an event loop), while a task
or main actor awaits on the trial's asyncio loop.
"""

import json
import math

from .common import (  # noqa: F401  (re-exported for the modules that import them from here)
    ActorFailure, LOG_FIELD, ReturnSignal, _is_number, as_number, compare, drive, js_number, spin, strict_equal,
)
from .step_table import FAST, HANDLERS, load

load()


def _nothing():
    pass


# The numbering of the last programs numbered: the actors of a group share one program (the same
# list), and each would number it again. Kept while the program is (the list is held here too).
_numbered = {}
_NUMBERED_KEEP = 64


def number_steps(program):
    """id(step) -> the step's pre-order number in the program: a step, then the steps inside it (a
    repeat's or a section's ``steps``, an if's ``then`` then its ``else``), as program-text.ts numbers them.
    The mapping is shared by whoever numbers the same program: nobody changes it."""
    known = _numbered.get(id(program))
    if known is not None and known[0] is program:
        return known[1]
    ids = _number(program)
    if len(_numbered) >= _NUMBERED_KEEP:
        _numbered.clear()
    _numbered[id(program)] = (program, ids)
    return ids


def _number(program):
    ids = {}
    stack = [iter(program)]
    while stack:
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            continue
        if not isinstance(step, dict):
            continue
        ids[id(step)] = len(ids)
        inner = [step[field] for field in ("steps", "then", "else") if isinstance(step.get(field), list)]
        for body in reversed(inner):
            stack.append(iter(body))
    return ids


def _with_ids(trace, calls, sids):
    """A block whose steps tell the trace their ids before they run (one attribute store per step)."""
    if len(calls) == 1:
        (first,), (s0,) = calls, sids

        def run():
            trace.step = s0
            first()
    elif len(calls) == 2:
        (first, second), (s0, s1) = calls, sids

        def run():
            trace.step = s0
            first()
            trace.step = s1
            second()
    else:
        pairs = tuple(zip(sids, calls))

        def run():
            for s, call in pairs:
                trace.step = s
                call()
    return run


class Interpreter:
    def __init__(self, services):
        self.services = services
        self.locals = {}
        # An actor on its own thread (thread, process) never suspends: its blocks of steps are compiled
        # once into plain callables (see ``block``). A task or main actor awaits each step on the loop.
        self.sync = bool(getattr(services, "own_thread", False))
        self.blocks = {}
        # Step ids of the program being run: id(step) -> its pre-order number (src-main/model/program-text.ts).
        # Empty for an interpreter that runs a pool's function: those steps leave the trace's step alone.
        self.ids = {}

    async def run(self, program):
        self.ids = number_steps(program)
        try:
            if self.sync:
                self.block(program)()
            else:
                await self.steps(program)
        except ReturnSignal:
            raise ActorFailure("return outside a function")
        finally:
            self.services.trace.step = -1

    def step_id(self, step):
        """The step's id, or None for a step outside the program (a function's)."""
        return self.ids.get(id(step))

    def text(self, value):
        return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))

    def evaluate(self, value):
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            raise ActorFailure("not a value: %s" % json.dumps(value)[:80])
        ((key, arg),) = value.items()
        ev = self.evaluate
        if key == "ref":
            if arg not in self.locals:
                raise ActorFailure("local %s is not set yet (set it with let, or a step's into)" % arg)
            return self.locals[arg]
        if key == "self":
            return self.services.self_facts[arg]
        if key == "now":
            return self.services.trace.now() / 1e6
        if key == "add":
            return js_number(as_number(ev(arg[0]), "add") + as_number(ev(arg[1]), "add"))
        if key == "sub":
            return js_number(as_number(ev(arg[0]), "sub") - as_number(ev(arg[1]), "sub"))
        if key == "mul":
            return js_number(as_number(ev(arg[0]), "mul") * as_number(ev(arg[1]), "mul"))
        if key == "div":
            divisor = as_number(ev(arg[1]), "div")
            if divisor == 0:
                raise ActorFailure("division by zero")
            return js_number(as_number(ev(arg[0]), "div") / divisor)
        if key == "mod":
            divisor = as_number(ev(arg[1]), "mod")
            if divisor == 0:
                raise ActorFailure("modulo by zero")
            # JavaScript's % keeps the dividend's sign.
            return js_number(math.fmod(as_number(ev(arg[0]), "mod"), divisor))
        if key == "concat":
            return "".join(self.text(ev(part)) for part in arg)
        if key == "upper":
            return self.text(ev(arg)).upper()
        if key == "list":
            return [ev(item) for item in arg]
        if key == "len":
            of = ev(arg)
            if isinstance(of, (str, list, dict)):
                return len(of)
            raise ActorFailure("len needs a string, list or object, got %s" % json.dumps(of))
        if key == "at":
            container, index = ev(arg[0]), ev(arg[1])
            if isinstance(container, list) and _is_number(index):
                return container[int(index)] if 0 <= index < len(container) and index == int(index) else None
            if isinstance(container, dict) and (isinstance(index, str) or _is_number(index)):
                return container.get(index if isinstance(index, str) else self.text(js_number(index)))
            raise ActorFailure("cannot take %s of %s" % (json.dumps(index), json.dumps(container)))
        if key == "json":
            source = self.text(ev(arg))
            try:
                return json.loads(source)
            except ValueError:
                raise ActorFailure("not JSON: %s" % source[:60])
        if key == "text":
            return self.text(ev(arg))
        if key == "floor":
            return math.floor(as_number(ev(arg), "floor"))
        if key == "cpu":
            return self.services.cpu_ms()
        if key == "port":
            from .netservers.host import address
            return address(arg)["port"]
        raise ActorFailure("value %s is not supported on cpython" % key)

    def amount(self, value, what, limit):
        n = self.evaluate(value) if isinstance(value, dict) else value
        if not _is_number(n) or n < 0 or n > limit:
            raise ActorFailure("%s must be a number from 0 to %s, got %s" % (what, limit, json.dumps(n)))
        return n

    def instance_index(self, value):
        if value is None:
            return None
        index = self.evaluate(value)
        if not (_is_number(index) and index == int(index) and index >= 0):
            raise ActorFailure("an actor index is a whole number from 0, got %s" % json.dumps(index))
        return int(index)

    def test(self, cond):
        if "compare" in cond:
            left, op, right = cond["compare"]
            return compare(self.evaluate(left), op, self.evaluate(right))
        if "not" in cond:
            return not self.test(cond["not"])
        if "all" in cond:
            return all(self.test(c) for c in cond["all"])
        if "any" in cond:
            return any(self.test(c) for c in cond["any"])
        if "truthy" in cond:
            value = self.evaluate(cond["truthy"])
            return bool(value) and not (isinstance(value, float) and math.isnan(value))
        raise ActorFailure("unknown condition %s" % json.dumps(cond)[:80])

    async def steps(self, program):
        if self.sync:
            self.block(program)()
            return
        ids = self.ids
        trace = self.services.trace
        for step in program:
            if ids:
                s = ids.get(id(step))
                if s is not None:
                    trace.step = s
            await self.step(step)

    def block(self, program):
        """A block of steps (a program, a repeat's body...) as one callable, compiled on first use and
        kept for this interpreter: the spec's lists do not change while it runs."""
        entry = self.blocks.get(id(program))
        if entry is not None and entry[0] is program:
            return entry[1]
        calls = tuple(self.compile_step(step) for step in program)
        sids = tuple(self.ids.get(id(step), -1) for step in program) if self.ids else ()
        if sids and calls:
            run = _with_ids(self.services.trace, calls, sids)
        elif not calls:
            run = _nothing
        elif len(calls) == 1:
            run = calls[0]
        elif len(calls) == 2:
            first, second = calls

            def run():
                first()
                second()
        elif len(calls) == 3:
            first, second, third = calls

            def run():
                first()
                second()
                third()
        else:
            def run():
                for call in calls:
                    call()
        self.blocks[id(program)] = (program, run)
        return run

    def compile_step(self, step):
        """One step as a callable: the op's fast compiler where it has one, else its handler driven
        to its end (a thread's coroutine never suspends). Whatever fails, fails when the step runs."""
        op = step.get("op") if isinstance(step, dict) else None
        make = FAST.get(op) if isinstance(op, str) else None
        if make is not None:
            try:
                call = make(self, step)
            except Exception:  # noqa: BLE001 - the handler below reports the same step's failure
                call = None
            if call is not None:
                return call
        step_coroutine = self.step
        return lambda: drive(step_coroutine(step))

    async def step(self, step):
        handle = HANDLERS.get(step["op"])
        if handle is None:
            raise ActorFailure("step %s is not supported on cpython" % step["op"])
        await handle(self, step)
