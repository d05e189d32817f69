"""The step interpreter on CPython: the same closed step language and the same trace events as the
Node engine's interpreter (src-main/engine/actors/interpreter.ts). No user text is evaluated as code.

One interpreter serves every actor kind. It is written with ``async def`` throughout; how a step
waits is the host's business (``ActorServices``): a thread or process actor blocks its own OS thread
and its coroutine never suspends (``drive`` runs it to the end without an event loop), while a task
or main actor awaits on the trial's asyncio loop.
"""

import json
import math
import re

from .steps import SUPPORTED_STEPS


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


class Interpreter:
    def __init__(self, services):
        self.services = services
        self.locals = {}

    async def run(self, program):
        try:
            await self.steps(program)
        except ReturnSignal:
            raise ActorFailure("return outside a function")

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
        for step in program:
            await self.step(step)

    async def step(self, step):
        op = step["op"]
        if op not in SUPPORTED_STEPS:
            raise ActorFailure("step %s is not supported on cpython" % op)
        s = self.services
        trace = s.trace
        if op == "compute":
            iterations = int(self.amount(step["iterations"], "compute.iterations", 1e12))
            trace.emit("compute", "B", {"iterations": iterations})
            if iterations > 1000000:
                trace.flush()
            result = spin(iterations)
            trace.emit("compute", "E", {"result": result})
        elif op == "sleep":
            ms = self.amount(step["ms"], "sleep.ms", 86400000)
            trace.emit("sleep", "B", {"ms": ms})
            if not trace.muted:
                trace.flush()
            await s.sleep(ms)
            trace.emit("sleep", "E")
        elif op == "block":
            ms = self.amount(step["ms"], "block.ms", 86400000)
            trace.emit("block", "B", {"ms": ms})
            if not trace.muted:
                trace.flush()
            s.block(ms)
            trace.emit("block", "E")
        elif op == "let":
            value = self.evaluate(step["value"])
            self.locals[step["name"]] = value
            trace.emit("let", "I", {"name": step["name"], "value": value})
        elif op == "log":
            values = {k: self.evaluate(v) for k, v in (step.get("values") or {}).items()}
            message = LOG_FIELD.sub(lambda m: self.text(values[m.group(1)]) if m.group(1) in values else m.group(0), step["message"])
            trace.emit("log", "I", {"message": message}, True)
        elif op == "record":
            trace.emit("record", "I", {"name": step["name"], "value": self.evaluate(step["value"])}, True)
        elif op == "mark":
            trace.emit("mark", "I", {"name": step["name"]}, True)
        elif op == "fail":
            raise ActorFailure(step["message"])
        elif op == "read":
            index = self.evaluate(step["index"]) if "index" in step else None
            value = s.vars.read(step["var"], index)
            self.locals[step["into"]] = value
            trace.emit("read", "I", {"var": step["var"], "value": value} if index is None else {"var": step["var"], "index": index, "value": value})
        elif op == "write":
            index = self.evaluate(step["index"]) if "index" in step else None
            value = self.evaluate(step["value"])
            s.vars.write(step["var"], index, value)
            trace.emit("write", "I", {"var": step["var"], "value": value} if index is None else {"var": step["var"], "index": index, "value": value})
        elif op == "add":
            index = self.evaluate(step["index"]) if "index" in step else None
            delta = as_number(self.evaluate(step["delta"]), "add.delta")
            value = s.vars.add(step["var"], index, delta)
            if step.get("into"):
                self.locals[step["into"]] = value
            data = {"var": step["var"], "delta": delta, "value": value}
            if index is not None:
                data = {"var": step["var"], "index": index, "delta": delta, "value": value}
            trace.emit("add", "I", data)
        elif op == "acquire":
            trace.emit("acquire", "B", {"prim": step["prim"]})
            ok = await s.prims.acquire(step["prim"], step.get("blocking", True), step.get("timeoutMs"))
            trace.emit("acquire", "E", {"prim": step["prim"], "ok": ok})
            if step.get("into"):
                self.locals[step["into"]] = ok
        elif op == "release":
            s.prims.release(step["prim"])
            trace.emit("release", "I", {"prim": step["prim"]})
        elif op == "wait":
            trace.emit("wait", "B", {"prim": step["prim"]})
            passed = await s.prims.wait(step["prim"], step.get("timeoutMs"))
            trace.emit("wait", "E", {"prim": step["prim"], "passed": passed})
            if step.get("into"):
                self.locals[step["into"]] = passed
        elif op == "set":
            s.prims.set(step["prim"])
            trace.emit("set", "I", {"prim": step["prim"]})
        elif op == "clear":
            s.prims.clear(step["prim"])
            trace.emit("clear", "I", {"prim": step["prim"]})
        elif op == "spawn":
            trace.emit("spawn", "B", {"actor": step["actor"]})
            names = s.spawn(step["actor"], self.instance_index(step.get("index")))
            trace.emit("spawn", "E", {"actor": step["actor"], "names": names})
        elif op == "join" and "queue" in step:
            trace.emit("join", "B", {"queue": step["queue"]})
            trace.flush()
            ok = await s.queues.join(step["queue"], step.get("timeoutMs"))
            trace.emit("join", "E", {"queue": step["queue"], "ok": ok})
        elif op == "join":
            trace.emit("join", "B", {"actor": step["actor"]})
            trace.flush()
            ok = await s.join(step["actor"], self.instance_index(step.get("index")), step.get("timeoutMs"))
            trace.emit("join", "E", {"actor": step["actor"], "ok": ok})
        elif op == "put":
            value = self.evaluate(step["value"])
            priority = self.evaluate(step["priority"]) if "priority" in step else None
            trace.emit("put", "B", {"queue": step["queue"], "value": value})
            trace.flush()
            ok = await s.queues.put(step["queue"], value, priority, step.get("blocking", True), step.get("timeoutMs"))
            trace.emit("put", "E", {"queue": step["queue"], "ok": ok})
            if step.get("into"):
                self.locals[step["into"]] = ok
            elif not ok:
                how = "without blocking" if step.get("blocking") is False else "timed out after %s ms" % js_number(step.get("timeoutMs"))
                raise ActorFailure('queue %s is full (put %s); give the step an "into" to handle it' % (step["queue"], how))
        elif op == "get":
            trace.emit("get", "B", {"queue": step["queue"]})
            trace.flush()
            ok, value = await s.queues.get(step["queue"], step.get("blocking", True), step.get("timeoutMs"))
            trace.emit("get", "E", {"queue": step["queue"], "ok": True, "value": value} if ok else {"queue": step["queue"], "ok": False})
            if step.get("into"):
                self.locals[step["into"]] = value if ok else None
            elif not ok:
                how = "without blocking" if step.get("blocking") is False else "timed out after %s ms" % js_number(step.get("timeoutMs"))
                raise ActorFailure('queue %s is empty (get %s); give the step an "into" to handle it' % (step["queue"], how))
        elif op == "task_done":
            s.queues.task_done(step["queue"])
            trace.emit("task_done", "I", {"queue": step["queue"]})
        elif op == "terminate":
            index = self.instance_index(step.get("index"))
            s.terminate(step["actor"], index)
            trace.emit("terminate", "I", {"actor": step["actor"], "index": index})
        elif op == "is_alive":
            alive = s.is_alive(step["actor"], self.instance_index(step.get("index")))
            self.locals[step["into"]] = alive
            trace.emit("is_alive", "I", {"actor": step["actor"], "alive": alive})
        elif op == "repeat":
            times = step["times"]
            summary = step.get("trace") == "summary" or (step.get("trace") is None and times > 10000)
            trace.emit("repeat", "B", {"times": times, "trace": "summary" if summary else "each"})
            if summary:
                trace.mute_depth += 1
            try:
                for _ in range(times):
                    await self.steps(step["steps"])
            finally:
                if summary:
                    trace.mute_depth -= 1
            trace.emit("repeat", "E", {"times": times})
        elif op == "if":
            taken = self.test(step["cond"])
            trace.emit("if", "I", {"taken": taken})
            if taken:
                await self.steps(step["then"])
            elif step.get("else"):
                await self.steps(step["else"])
        elif op == "section":
            trace.emit("section", "B", {"name": step["name"]}, True)
            try:
                await self.steps(step["steps"])
            finally:
                trace.emit("section", "E", {"name": step["name"]}, True)
        else:
            raise ActorFailure("step %s is not supported on cpython" % op)
