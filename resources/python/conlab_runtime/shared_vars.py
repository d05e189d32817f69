"""The spec's shared variables on CPython: plain ones (scope ``shared``) and managed ones (scope
``managed``, served by a ``multiprocessing.Manager``)."""

import json
import os
import threading
# Imported here, before any actor is forked: a forked child imports nothing (see trial.process_main).
import multiprocessing.managers  # noqa: F401

from .common import js_number
from .interpreter import ActorFailure
from .watchdog import watch_parent

# The largest value one write may store in a managed variable, as JSON (the Node engine's default maxManagedBytes).
MAX_MANAGED_BYTES = 64 * 1024 * 1024
# The most entries a managed list or dict grows to (each write is bounded by size, the count by this).
MAX_MANAGED_ENTRIES = 100_000
MANAGER_SHUTDOWN_S = 1.0


class Managed:
    """A managed variable: a proxy of the object the manager's server process holds (a list, a dict,
    or a Value holding anything else). Every read and write is a message to that process, so every
    actor, process or thread, sees every change. ``lock`` (a proxy of a lock of the same server)
    makes add one indivisible read-modify-write. Handed to forked children as it is: a proxy
    reconnects to the server from the process that uses it."""

    def __init__(self, name, proxy, kind, lock):
        self.name = name
        self.proxy = proxy
        self.kind = kind
        self.lock = lock

    def snapshot(self):
        return self.proxy.value if self.kind == "value" else self.proxy._getvalue()

    def key(self, index):
        if self.kind == "list":
            if not isinstance(index, (int, float)) or isinstance(index, bool) or index != int(index) or index < 0:
                raise ActorFailure("index %s is outside %s" % (json.dumps(index), self.name))
            return int(index)
        if self.kind == "dict":
            if isinstance(index, str):
                return index
            if isinstance(index, (int, float)) and not isinstance(index, bool):
                return json.dumps(js_number(index))
            raise ActorFailure("key %s of %s must be a string or number" % (json.dumps(index), self.name))
        raise ActorFailure("%s holds a single value, not an array or object" % self.name)

    def read(self, index):
        if index is None:
            return self.snapshot()
        key = self.key(index)
        if self.kind == "list":
            try:
                return self.proxy[key]
            except IndexError:
                if key > len(self.proxy):
                    raise ActorFailure("index %s is outside %s" % (key, self.name))
                return None
        return self.proxy.get(key)

    def write(self, index, value):
        size = len(json.dumps(value, separators=(",", ":")))
        if size > MAX_MANAGED_BYTES:
            raise ActorFailure("writing %s: the value holds %d bytes as JSON, more than the %d a managed variable takes" % (self.name, size, MAX_MANAGED_BYTES))
        if index is None:
            if self.kind == "value":
                self.proxy.value = value
            elif self.kind == "list" and isinstance(value, list):
                self.proxy[:] = value
            elif self.kind == "dict" and isinstance(value, dict):
                with self.lock:
                    self.proxy.clear()
                    self.proxy.update(value)
            else:
                raise ActorFailure("%s is a managed %s on cpython; it cannot become %s" % (self.name, self.kind, json.dumps(value)[:60]))
            return
        key = self.key(index)
        if self.kind == "list":
            length = len(self.proxy)
            if key < length:
                self.proxy[key] = value
            elif key == length:
                self.check_room(length)
                self.proxy.append(value)
            else:
                raise ActorFailure("index %s is outside %s" % (key, self.name))
        else:
            if key not in self.proxy:
                self.check_room(len(self.proxy))
            self.proxy[key] = value

    def check_room(self, length):
        if length >= MAX_MANAGED_ENTRIES:
            raise ActorFailure("writing %s: a managed %s holds at most %d entries on cpython" % (self.name, self.kind, MAX_MANAGED_ENTRIES))

    def add(self, index, delta):
        with self.lock:
            current = self.read(index)
            base = 0 if current is None else current
            if not isinstance(base, (int, float)) or isinstance(base, bool):
                where = "" if index is None else "[%s]" % json.dumps(index)
                raise ActorFailure("cannot add to %s%s: it holds %s" % (self.name, where, json.dumps(base)))
            new = js_number(base + delta)
            self.write(index, new)
            return new


class SharedVars:
    """Shared variables: one dict for the threads and tasks of this process (a write is one
    assignment, atomic under the GIL, but read-then-write is not: the race is real); a process
    actor works on its own copy, as a forked child does. Managed variables live in a manager's
    server process, started with the trial (only when the spec has some) and shut down with it."""

    def __init__(self, spec, start_method=None):
        self.values = {}
        self.lock = threading.Lock()
        self.manager = None
        declared = spec.get("shared") or {}
        for name, var in declared.items():
            if var["scope"] == "shared":
                initial = var["initial"]
                self.values[name] = list(initial) if isinstance(initial, list) else initial
            elif var["scope"] != "managed":
                raise ActorFailure("shared.%s: scope %s is not supported on cpython" % (name, var["scope"]))
        managed = [(name, var["initial"]) for name, var in declared.items() if var["scope"] == "managed"]
        if managed:
            self.start_manager(managed, start_method)

    def start_manager(self, managed, start_method):
        context = multiprocessing.get_context(start_method) if start_method else multiprocessing.get_context()
        manager = multiprocessing.managers.SyncManager(ctx=context)
        # The server ends itself should this interpreter die without shutting it down.
        manager.start(initializer=watch_parent, initargs=(os.getpid(),))
        self.manager = manager
        lock = manager.Lock()
        for name, initial in managed:
            if isinstance(initial, list):
                self.values[name] = Managed(name, manager.list(initial), "list", lock)
            elif isinstance(initial, dict):
                self.values[name] = Managed(name, manager.dict(initial), "dict", lock)
            else:
                self.values[name] = Managed(name, manager.Value("o", initial), "value", lock)

    def final(self):
        """Every variable's value at the end of the trial (managed ones asked of the manager)."""
        out = {}
        for name, value in self.values.items():
            if isinstance(value, Managed):
                try:
                    out[name] = value.snapshot()
                except (OSError, EOFError):
                    out[name] = None
            else:
                out[name] = value
        return out

    def close(self):
        """Shuts the manager's server process down (waited for, killed past its grace period)."""
        manager, self.manager = self.manager, None
        if manager is None:
            return
        try:
            manager.shutdown()
        except (OSError, EOFError):
            pass
        process = getattr(manager, "_process", None)
        if process is not None:
            process.join(MANAGER_SHUTDOWN_S)
            if process.is_alive():
                process.kill()
                process.join(MANAGER_SHUTDOWN_S)

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

    def managed(self, name):
        value = self.values.get(name)
        return value if isinstance(value, Managed) else None

    def read(self, name, index):
        managed = self.managed(name)
        if managed is not None:
            return managed.read(index)
        value, index = self._slot(name, index)
        return value if index is None else value[index]

    def write(self, name, index, new):
        managed = self.managed(name)
        if managed is not None:
            managed.write(index, new)
            return
        value, index = self._slot(name, index)
        if index is None:
            self.values[name] = new
        else:
            value[index] = new

    def add(self, name, index, delta):
        managed = self.managed(name)
        if managed is not None:
            return managed.add(index, delta)
        # As Atomics.add on the Node side: one indivisible read-modify-write.
        with self.lock:
            value, index = self._slot(name, index)
            if index is None:
                self.values[name] = value + delta
                return self.values[name]
            value[index] = value[index] + delta
            return value[index]
