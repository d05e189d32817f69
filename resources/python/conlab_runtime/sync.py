"""The spec's primitives on CPython, and the wait-for graph of the owned locks among them."""

import asyncio
import threading
import time
from threading import BrokenBarrierError

from .interpreter import ActorFailure
from .timeouts import seconds as _seconds


class Primitives:
    """The spec's primitives as CPython objects: threading ones when everything runs in this process,
    multiprocessing ones (usable from threads too) as soon as one actor is a process."""

    def __init__(self, spec, context):
        make = context if context is not None else threading
        # multiprocessing's locks, like every rlock, belong to the thread that took them (a condition
        # checks it): see thread_owned.
        self.cross_process = context is not None
        self.kinds = {}
        self.objects = {}
        # A condition's lock: the mutex or rlock it names, else a hidden rlock of its own (as
        # threading.Condition() makes one); acquire and release on the condition's name take that lock.
        self.lock_of = {}
        declared = spec.get("primitives") or {}
        for name, prim in declared.items():
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
            elif kind == "barrier":
                self.objects[name] = make.Barrier(prim["parties"])
            elif kind == "condition":
                continue
            else:
                raise ActorFailure("primitive %s (%s) is not supported on cpython" % (name, kind))
        for name, prim in declared.items():
            if prim["type"] != "condition":
                continue
            lock_name = prim.get("lock")
            if lock_name is None:
                lock_name = name + ".lock"
                self.kinds[lock_name] = "rlock"
                self.objects[lock_name] = make.RLock()
            elif self.kinds.get(lock_name) not in ("mutex", "rlock"):
                raise ActorFailure("primitives.%s.lock: %s is not a mutex or rlock" % (name, lock_name))
            self.lock_of[name] = lock_name
            self.kinds[name] = "condition"
            self.objects[name] = make.Condition(self.objects[lock_name])

    def thread_owned(self, name):
        """Whether only the thread that took this lock may wait on its condition (or release it, for an rlock)."""
        return self.kinds.get(name) == "rlock" or self.cross_process

    def lock_name(self, name):
        """The primitive acquire and release act on: a condition's lock, else the primitive itself."""
        return self.lock_of.get(name, name)

    def get(self, name, *kinds):
        if name not in self.objects:
            raise ActorFailure("no primitive named %s" % name)
        if kinds and self.kinds[name] not in kinds:
            raise ActorFailure("%s is a %s, not a %s" % (name, self.kinds[name], " or ".join(kinds)))
        return self.objects[name]


class WaitTable:
    """Who holds each owned lock (mutex, rlock) and who waits for one without a timeout: the wait-for
    graph of the actors of this process. Semaphores have no owner and a timed wait ends by itself, so
    neither forms an edge (as in the Node engine's detector).

    A lock's entry (owner, depth) is written only by the actor holding that lock, while it holds it
    (``acquired`` once taken, ``releasing`` before letting go): nobody else can write it meanwhile,
    and one dict assignment is atomic under the GIL, so the uncontended path takes no lock of its
    own. A reader may see the graph a moment behind (a lock just taken not yet entered, one about to
    be released already gone): an edge missing, never one too many, and a cycle counts only once seen
    twice in a row unchanged (Trial.watch_deadlock)."""

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
        """Once ``actor`` has taken ``prim``."""
        self.owners[prim] = actor
        self.depth[prim] = self.depth.get(prim, 0) + 1

    def releasing(self, actor, prim, kind):
        """Before ``actor`` lets go of ``prim``: what ``undo`` restores should the release fail. An
        rlock is released only by its owner (anyone else's release fails), so only its owner's counts;
        a mutex may be released by any actor (threading.Lock allows it)."""
        owner = self.owners.get(prim)
        if kind != "mutex" and owner != actor:
            return None
        level = self.depth.get(prim, 0)
        if level <= 1:
            self.depth.pop(prim, None)
            self.owners.pop(prim, None)
        else:
            self.depth[prim] = level - 1
        return (owner, level)

    def undo(self, prim, before):
        if before is not None and before[0] is not None:
            self.owners[prim] = before[0]
            self.depth[prim] = before[1]

    def release_all(self, actor, prim):
        """A condition wait lets go of its lock whatever its depth (called while it still holds it):
        returns the depth to restore."""
        if self.owners.get(prim) != actor:
            return 0
        depth = self.depth.pop(prim, 0)
        self.owners.pop(prim, None)
        return depth

    def restore(self, actor, prim, depth):
        """Once the condition wait has the lock back."""
        if depth > 0:
            self.owners[prim] = actor
            self.depth[prim] = depth

    def find_cycle(self):
        """The first cycle of the graph as (edges, key), or None. The key holds every member's wait
        sequence: the same key twice in a row means nobody in the cycle moved in between."""
        with self.lock:
            waiting = self.waiting.copy()
        # One copy, atomic under the GIL: holders write owners without the table's lock.
        owners = self.owners.copy()
        edges = {}
        for actor, (prim, seq) in waiting.items():
            owner = owners.get(prim)
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


LOOP_WAIT_SLICE_S = 0.05


async def poll_acquire(lock, timeout):
    deadline = None if timeout is None else time.monotonic() + timeout
    pause = 0.0005
    while True:
        if lock.acquire(False):
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.01)


class PrimitiveOps:
    """One actor's view of the primitives. ``offload`` runs a blocking call where it may block:
    on the actor's own thread, or (for loop actors) on a helper thread while the loop goes on.
    Owned locks are entered in the wait table (None in a forked process: its parent cannot see it)."""

    OWNED = ("mutex", "rlock")

    def __init__(self, prims, offload, actor=None, table=None, on_loop=False):
        self.prims = prims
        self.offload = offload
        self.actor = actor
        self.table = table
        # A task or main actor: it runs on the loop's thread, and hands blocking waits to helper threads.
        self.on_loop = on_loop

    async def acquire(self, name, blocking, timeout_ms):
        name = self.prims.lock_name(name)
        obj = self.prims.get(name, "mutex", "rlock", "semaphore", "bounded-semaphore")
        owned = self.table is not None and self.prims.kinds[name] in self.OWNED
        ok = obj.acquire(False)
        if not ok and blocking:
            timeout = _seconds(timeout_ms)
            tracked = owned and timeout is None
            if tracked:
                self.table.begin_wait(self.actor, name)
            try:
                if self.on_loop and self.prims.kinds[name] in self.OWNED and self.prims.thread_owned(name):
                    # An rlock, or any multiprocessing lock, belongs to the thread that takes it: taken
                    # on a helper thread, the loop could not release it or notify or wait on its
                    # condition. It is tried on the loop's thread, the loop going on between tries.
                    ok = await poll_acquire(obj, timeout)
                elif timeout is None:
                    # acquire(True) with nothing more: threading's locks take -1 for "forever", but
                    # multiprocessing's take a negative timeout for none at all (one try, no wait).
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
        name = self.prims.lock_name(name)
        obj = self.prims.get(name, "mutex", "rlock", "semaphore", "bounded-semaphore")
        kind = self.prims.kinds[name]
        owned = self.table is not None and kind in self.OWNED
        # The table first, while this actor still holds the lock (see WaitTable).
        before = self.table.releasing(self.actor, name, kind) if owned else None
        try:
            obj.release()
        except (RuntimeError, ValueError, AssertionError) as error:
            if owned:
                self.table.undo(name, before)
            raise ActorFailure("cannot release %s: %s" % (name, error))

    def acquirer(self, name, blocking, timeout_ms):
        """For an actor on its own thread: ``acquire`` of one step as a plain callable returning ok,
        with the primitive looked up once; None where the step needs the general path (the loop's
        actors, an unknown primitive or one of another type, whose failure ``acquire`` reports)."""
        if self.on_loop:
            return None
        lock_name = self.prims.lock_name(name)
        kind = self.prims.kinds.get(lock_name)
        if kind not in ("mutex", "rlock", "semaphore", "bounded-semaphore"):
            return None
        take = self.prims.objects[lock_name].acquire
        timeout = _seconds(timeout_ms)
        table, actor = self.table, self.actor
        if table is None or kind not in self.OWNED:
            def acquire_unowned():
                if take(False):
                    return True
                if not blocking:
                    return False
                return bool(take(True) if timeout is None else take(True, timeout))
            return acquire_unowned
        owners, depth = table.owners, table.depth

        def acquire_owned():
            ok = take(False)
            if not ok and blocking:
                if timeout is None:
                    table.begin_wait(actor, lock_name)
                    try:
                        ok = take(True)
                    finally:
                        table.end_wait(actor)
                else:
                    ok = take(True, timeout)
            if ok:
                # WaitTable.acquired, inline: this actor holds the lock, nobody else writes its entry.
                owners[lock_name] = actor
                depth[lock_name] = depth.get(lock_name, 0) + 1
                return True
            return False

        def acquire_mutex():
            # The same for a mutex, which nobody takes twice: its depth, once taken, is 1.
            if take(False):
                owners[lock_name] = actor
                depth[lock_name] = 1
                return True
            if not blocking:
                return False
            return acquire_owned()
        return acquire_mutex if kind == "mutex" else acquire_owned

    def releaser(self, name):
        """For an actor on its own thread: ``release`` of one step as a plain callable (None as for acquirer)."""
        if self.on_loop:
            return None
        lock_name = self.prims.lock_name(name)
        kind = self.prims.kinds.get(lock_name)
        if kind not in ("mutex", "rlock", "semaphore", "bounded-semaphore"):
            return None
        let_go = self.prims.objects[lock_name].release
        table, actor = self.table, self.actor
        owned = table is not None and kind in self.OWNED

        def release():
            try:
                let_go()
            except (RuntimeError, ValueError, AssertionError) as error:
                raise ActorFailure("cannot release %s: %s" % (lock_name, error))

        if not owned:
            return release
        owners, depth = table.owners, table.depth

        def release_owned():
            # WaitTable.releasing, inline, before letting go.
            owner = owners.get(lock_name)
            if kind == "mutex" or owner == actor:
                level = depth.get(lock_name, 0)
                if level <= 1:
                    depth.pop(lock_name, None)
                    owners.pop(lock_name, None)
                else:
                    depth[lock_name] = level - 1
                try:
                    let_go()
                except (RuntimeError, ValueError, AssertionError) as error:
                    table.undo(lock_name, (owner, level))
                    raise ActorFailure("cannot release %s: %s" % (lock_name, error))
            else:
                release()

        def release_mutex():
            # The same for a mutex (anyone may release it; its depth is 1 while it is held).
            owner = owners.pop(lock_name, None)
            level = depth.pop(lock_name, 0)
            try:
                let_go()
            except (RuntimeError, ValueError, AssertionError) as error:
                table.undo(lock_name, (owner, level))
                raise ActorFailure("cannot release %s: %s" % (lock_name, error))
        return release_mutex if kind == "mutex" else release_owned

    async def wait(self, name, timeout_ms):
        """Waits on an event, a condition or a barrier: (passed, barrier index or None)."""
        obj = self.prims.get(name, "event", "condition", "barrier")
        kind = self.prims.kinds[name]
        timeout = _seconds(timeout_ms)
        if kind == "condition":
            return await self.wait_condition(name, obj, timeout), None
        if kind == "barrier":
            return await self.wait_barrier(obj, timeout)
        if obj.is_set():
            return True, None
        return bool(await self.offload(lambda: obj.wait(timeout))), None

    async def wait_condition(self, name, cond, timeout):
        # Condition.wait releases the lock (every level of an rlock), sleeps until notified or the
        # timeout, and takes the lock back: the wait table sees the lock free meanwhile.
        lock_name = self.prims.lock_name(name)
        tracked = self.table is not None
        depth = self.table.release_all(self.actor, lock_name) if tracked else 0

        def wait():
            try:
                return bool(cond.wait(timeout))
            except (RuntimeError, AssertionError):
                return None

        try:
            if self.on_loop and self.prims.thread_owned(lock_name):
                # The lock is the loop thread's: the wait is too. It holds the loop, as a blocking
                # Condition.wait in a coroutine does in Python, in slices: between two the loop turns
                # once, so that a stopped actor is cancelled instead of waiting forever. No notify is
                # lost in between: the lock is held there, and notifying needs it.
                passed = await self.sliced_wait(cond, timeout)
            else:
                passed = await self.offload(wait)
        finally:
            if tracked:
                self.table.restore(self.actor, lock_name, depth)
        if passed is None:
            if tracked:
                self.table.release_all(self.actor, lock_name)
            raise ActorFailure("wait on %s without holding its lock %s" % (name, lock_name))
        return passed

    async def sliced_wait(self, cond, timeout):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = LOOP_WAIT_SLICE_S if deadline is None else min(LOOP_WAIT_SLICE_S, deadline - time.monotonic())
            try:
                if left > 0 and cond.wait(left):
                    return True
            except (RuntimeError, AssertionError):
                return None
            if deadline is not None and time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0)

    async def wait_barrier(self, barrier, timeout):
        # Barrier.wait returns this arrival's index (0 for the first). A wait that times out breaks
        # the barrier, as Python's does: whoever waits then passes false too. Once nobody waits,
        # the barrier is reset so that a later generation can meet.
        def wait():
            try:
                return True, barrier.wait(timeout)
            except BrokenBarrierError:
                if barrier.n_waiting == 0:
                    barrier.reset()
                return False, None

        if barrier.parties == 1:
            return wait()
        return await self.offload(wait)

    def notify(self, name, count):
        cond = self.prims.get(name, "condition")
        try:
            if count is None:
                cond.notify_all()
            else:
                cond.notify(count)
        except (RuntimeError, AssertionError):
            raise ActorFailure("notify on %s without holding its lock %s" % (name, self.prims.lock_name(name)))

    def set(self, name):
        self.prims.get(name, "event").set()

    def clear(self, name):
        self.prims.get(name, "event").clear()
