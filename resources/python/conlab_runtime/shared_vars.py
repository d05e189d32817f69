"""The spec's shared variables on CPython."""

import threading

from .interpreter import ActorFailure
from .mp_shared import SharedCell, make_cells


class SharedVars:
    """Shared variables: one dict for the threads and tasks of this process (a write is one
    assignment, atomic under the GIL, but read-then-write is not: the race is real); a process
    actor works on its own copy, as a forked child does."""

    def __init__(self, spec):
        self.values = {}
        self.lock = threading.Lock()
        self.values.update(make_cells(spec))
        for name, var in (spec.get("shared") or {}).items():
            if var["scope"] in ("value", "array"):
                continue
            if var["scope"] != "shared":
                raise ActorFailure("shared.%s: scope %s is not supported on cpython" % (name, var["scope"]))
            initial = var["initial"]
            self.values[name] = list(initial) if isinstance(initial, list) else initial

    def _slot(self, name, index):
        if name not in self.values:
            raise ActorFailure("no shared variable named %s" % name)
        value = self.values[name]
        if index is None:
            return value, None
        if not isinstance(value, list) or not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(value):
            raise ActorFailure("index %r is outside %s" % (index, name))
        return value, index

    def snapshot(self):
        """The values as JSON (a multiprocessing cell as the numbers it holds)."""
        return {name: value.snapshot() if isinstance(value, SharedCell) else value for name, value in self.values.items()}

    def cell(self, name):
        value = self.values.get(name)
        if not isinstance(value, SharedCell):
            raise ActorFailure("%s is not a shared value or array" % name)
        return value

    def read(self, name, index):
        if isinstance(self.values.get(name), SharedCell):
            return self.values[name].read(index)
        value, index = self._slot(name, index)
        return value if index is None else value[index]

    def write(self, name, index, new):
        if isinstance(self.values.get(name), SharedCell):
            return self.values[name].write(index, new)
        value, index = self._slot(name, index)
        if index is None:
            self.values[name] = new
        else:
            value[index] = new

    def add(self, name, index, delta):
        # As Atomics.add on the Node side: one indivisible read-modify-write.
        if isinstance(self.values.get(name), SharedCell):
            return self.values[name].add(index, delta)
        with self.lock:
            value, index = self._slot(name, index)
            if index is None:
                self.values[name] = value + delta
                return self.values[name]
            value[index] = value[index] + delta
            return value[index]
