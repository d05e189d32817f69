"""Shared variables of scope ``value`` and ``array``: multiprocessing.Value / Array of C ints in shared
memory, reached by every actor kind (a forked process maps the same memory, it takes no copy).

Guarantees: one ``read`` or one ``write`` of a locked cell is whole (multiprocessing takes the cell's
lock around it), but a read followed by a write is two steps, and another actor may write in between:
that is the lost update the lessons show. ``add`` holds the cell's own lock across its read and write.
A cell declared ``lock: false`` is the raw ctypes object (RawValue / RawArray): no lock at all.
"""

import multiprocessing

from .common import ActorFailure

INT32 = (-2 ** 31, 2 ** 31 - 1)


class SharedCell:
    """One ``value`` or ``array`` variable; picklable for a spawned process (multiprocessing passes
    the shared memory, not a copy, when a cell travels in a Process's arguments)."""

    def __init__(self, name, var):
        self.name = name
        self.scope = var["scope"]
        self.locked = var.get("lock", True) is not False
        if self.scope == "value":
            self.obj = multiprocessing.Value("i", int(var["initial"]), lock=self.locked)
        else:
            self.obj = multiprocessing.Array("i", [int(v) for v in var["initial"]], lock=self.locked)

    def _index(self, index):
        if self.scope == "value" or index is None:
            if index is not None:
                raise ActorFailure("%s is a single value, not an array" % self.name)
            return None
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(self.obj):
            raise ActorFailure("index %r is outside %s (%d elements)" % (index, self.name, len(self.obj)))
        return index

    def read(self, index):
        i = self._index(index)
        if i is None:
            return self.snapshot()
        return self.obj[i]

    def write(self, index, new):
        i = self._index(index)
        if i is None and self.scope == "array":
            raise ActorFailure("write to one element of %s: give an index" % self.name)
        if not isinstance(new, int) or isinstance(new, bool) or not INT32[0] <= new <= INT32[1]:
            raise ActorFailure("%s holds 32-bit integers, got %r" % (self.name, new))
        if i is None:
            self.obj.value = new
        else:
            self.obj[i] = new

    def add(self, index, delta):
        if not self.locked:
            raise ActorFailure("add on %s needs its lock, and it was declared lock: false (use read and write)" % self.name)
        if self.scope == "array" and index is None:
            raise ActorFailure("add to one element of %s: give an index" % self.name)
        with self.obj.get_lock():
            value = self.read(index) + int(delta)
            self.write(index, value)
            return value

    def lock(self):
        if not self.locked:
            raise ActorFailure("%s was declared lock: false: it has no lock to take" % self.name)
        return self.obj.get_lock()

    def snapshot(self):
        return self.obj.value if self.scope == "value" else list(self.obj[:])


def make_cells(spec):
    return {name: SharedCell(name, var) for name, var in (spec.get("shared") or {}).items() if var["scope"] in ("value", "array")}
