"""The spec's shared variables on CPython."""

import threading

from .interpreter import ActorFailure


class SharedVars:
    """Shared variables: one dict for the threads and tasks of this process (a write is one
    assignment, atomic under the GIL, but read-then-write is not: the race is real); a process
    actor works on its own copy, as a forked child does."""

    def __init__(self, spec):
        self.values = {}
        self.lock = threading.Lock()
        for name, var in (spec.get("shared") or {}).items():
            if var["scope"] != "shared":
                raise ActorFailure("shared.%s: scope %s is not supported on cpython" % (name, var["scope"]))
            initial = var["initial"]
            self.values[name] = list(initial) if isinstance(initial, list) else initial

    def _slot(self, name, index):
        if name not in self.values:
            raise ActorFailure("no shared variable named %s" % name)
        value = self.values[name]
        if not isinstance(value, list):
            if index is not None:
                raise ActorFailure("%s is a single value, not an array" % name)
            return value, None
        if index is None:
            index = 0  # as on Node: an array's name alone is its first word
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(value):
            raise ActorFailure("index %r is outside %s (0 to %d)" % (index, name, len(value) - 1))
        return value, index

    def read(self, name, index):
        value, index = self._slot(name, index)
        return value if index is None else value[index]

    def write(self, name, index, new):
        value, index = self._slot(name, index)
        if index is None:
            self.values[name] = new
        else:
            value[index] = new

    def add(self, name, index, delta):
        # As Atomics.add on the Node side: one indivisible read-modify-write.
        with self.lock:
            value, index = self._slot(name, index)
            if index is None:
                self.values[name] = value + delta
                return self.values[name]
            value[index] = value[index] + delta
            return value[index]
