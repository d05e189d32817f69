"""The step table: one handler per op of the step language, ``async def handler(interpreter, step)``.

Every module in ``conlab_runtime/ops/`` registers its handlers with ``@handler("op")`` when it is
imported; ``load()`` imports them all once. Adding a step on CPython is one handler in one module of
``ops/`` (and the op's name in src-main/engine/runtimes/cpython-support.ts, which refuses a spec
before anything starts).
"""

import importlib
import pkgutil

HANDLERS = {}


def handler(op):
    def register(fn):
        if op in HANDLERS:
            raise RuntimeError("step %s has two handlers" % op)
        HANDLERS[op] = fn
        return fn
    return register


def load():
    from . import ops
    for module in pkgutil.iter_modules(ops.__path__):
        importlib.import_module("%s.%s" % (ops.__name__, module.name))
    return HANDLERS
