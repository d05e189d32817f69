"""The spec's primitives on CPython, and the wait-for graph of the owned locks among them."""

import threading

from .interpreter import ActorFailure
from .timeouts import seconds as _seconds


class Primitives:
    """The spec's primitives as CPython objects: threading ones when everything runs in this process,
    multiprocessing ones (usable from threads too) as soon as one actor is a process."""

    def __init__(self, spec, context):
        make = context if context is not None else threading
        self.kinds = {}
        self.objects = {}
        for name, prim in (spec.get("primitives") or {}).items():
            kind = prim["type"]
            self.kinds[name] = kind
            if kind == "mutex":
                self.objects[name] = make.Lock()
            elif kind == "rlock":
                self.objects[name] = make.RLock()
            elif kind == "semaphore":
                self.objects[name] = make.Semaphore(prim["value"])
            elif kind == "bounded-semaphore":
                self.objects[name] = make.BoundedSemaphore(prim["value"])
            elif kind == "event":
                self.objects[name] = make.Event()
            else:
                raise ActorFailure("primitive %s (%s) is not supported on cpython" % (name, kind))

    def get(self, name, *kinds):
        if name not in self.objects:
            raise ActorFailure("no primitive named %s" % name)
        if kinds and self.kinds[name] not in kinds:
            raise ActorFailure("%s is a %s, not a %s" % (name, self.kinds[name], " or ".join(kinds)))
        return self.objects[name]


class WaitTable:
    """Who holds each owned lock (mutex, rlock) and who waits for one without a timeout: the wait-for
    graph of the actors of this process. Semaphores have no owner and a timed wait ends by itself, so
    neither forms an edge (as in the Node engine's detector)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.owners = {}
        self.depth = {}
        self.waiting = {}
        self.seq = 0

    def begin_wait(self, actor, prim):
        with self.lock:
            self.seq += 1
            self.waiting[actor] = (prim, self.seq)

    def end_wait(self, actor):
        with self.lock:
            self.waiting.pop(actor, None)

    def acquired(self, actor, prim):
        with self.lock:
            self.owners[prim] = actor
            self.depth[prim] = self.depth.get(prim, 0) + 1

    def released(self, prim):
        with self.lock:
            left = self.depth.get(prim, 0) - 1
            if left <= 0:
                self.depth.pop(prim, None)
                self.owners.pop(prim, None)
            else:
                self.depth[prim] = left

    def find_cycle(self):
        """The first cycle of the graph as (edges, key), or None. The key holds every member's wait
        sequence: the same key twice in a row means nobody in the cycle moved in between."""
        with self.lock:
            edges = {}
            for actor, (prim, seq) in self.waiting.items():
                owner = self.owners.get(prim)
                if owner is not None:
                    edges[actor] = (prim, owner, seq)
        visited = set()
        for start in edges:
            if start in visited:
                continue
            path, on_path, node = [], {}, start
            while node in edges and node not in visited:
                visited.add(node)
                on_path[node] = len(path)
                path.append(node)
                node = edges[node][1]
            if node in on_path:
                members = path[on_path[node]:]
                cycle = [{"actor": a, "waitsFor": edges[a][0], "heldBy": edges[a][1]} for a in members]
                key = "|".join("%s>%s>%s#%d" % (a, edges[a][0], edges[a][1], edges[a][2]) for a in members)
                return cycle, key
        return None


class PrimitiveOps:
    """One actor's view of the primitives. ``offload`` runs a blocking call where it may block:
    on the actor's own thread, or (for loop actors) on a helper thread while the loop goes on.
    Owned locks are entered in the wait table (None in a forked process: its parent cannot see it)."""

    OWNED = ("mutex", "rlock")

    def __init__(self, prims, offload, actor=None, table=None):
        self.prims = prims
        self.offload = offload
        self.actor = actor
        self.table = table

    async def acquire(self, name, blocking, timeout_ms):
        obj = self.prims.get(name, "mutex", "rlock", "semaphore", "bounded-semaphore")
        owned = self.table is not None and self.prims.kinds[name] in self.OWNED
        ok = obj.acquire(False)
        if not ok and blocking:
            timeout = _seconds(timeout_ms)
            tracked = owned and timeout is None
            if tracked:
                self.table.begin_wait(self.actor, name)
            try:
                # No timeout: acquire(True) with no second argument. threading's locks take -1 for "none",
                # but a multiprocessing lock reads -1 as "do not wait" and would return False at once.
                if timeout is None:
                    ok = bool(await self.offload(lambda: obj.acquire(True)))
                else:
                    ok = bool(await self.offload(lambda: obj.acquire(True, timeout)))
            finally:
                if tracked:
                    self.table.end_wait(self.actor)
        if ok and owned:
            self.table.acquired(self.actor, name)
        return ok

    def release(self, name):
        obj = self.prims.get(name, "mutex", "rlock", "semaphore", "bounded-semaphore")
        try:
            obj.release()
        except (RuntimeError, ValueError, AssertionError) as error:
            raise ActorFailure("cannot release %s: %s" % (name, error))
        if self.table is not None and self.prims.kinds[name] in self.OWNED:
            self.table.released(name)

    async def wait(self, name, timeout_ms):
        obj = self.prims.get(name, "event")
        if obj.is_set():
            return True
        timeout = _seconds(timeout_ms)
        return bool(await self.offload(lambda: obj.wait(timeout)))

    def set(self, name):
        self.prims.get(name, "event").set()

    def clear(self, name):
        self.prims.get(name, "event").clear()
