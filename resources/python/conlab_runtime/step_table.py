"""The step table: one handler per op of the step language, ``async def handler(interpreter, step)``.

Every module in ``conlab_runtime/ops/`` registers its handlers with ``@handler("op")`` when it is
imported; ``load()`` imports them all once. Adding a step on CPython is one handler in one module of
``ops/`` (and the op's name in src-main/engine/runtimes/cpython-support.ts, which refuses a spec
before anything starts).

A thread or process actor never suspends, so its steps need no coroutine each: ``@fast("op")``
registers, beside an op's handler, an optional compiler ``fast(interpreter, step)`` that returns a
plain callable doing the same work (same checks, same trace events), or None where it cannot (the
interpreter then drives the handler itself). Compilers must not fail: a failure is the step's, at run time.
"""

import importlib
import pkgutil

HANDLERS = {}
FAST = {}


def handler(op):
    def register(fn):
        if op in HANDLERS:
            raise RuntimeError("step %s has two handlers" % op)
        HANDLERS[op] = fn
        return fn
    return register


def fast(op):
    def register(fn):
        if op in FAST:
            raise RuntimeError("step %s has two fast compilers" % op)
        FAST[op] = fn
        return fn
    return register


def load():
    from . import ops
    for module in pkgutil.iter_modules(ops.__path__):
        importlib.import_module("%s.%s" % (ops.__name__, module.name))
    return HANDLERS
