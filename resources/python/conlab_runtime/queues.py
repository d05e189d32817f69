"""The spec's queues on CPython."""

import itertools
import queue as stdqueue
import threading

from .interpreter import ActorFailure
from .timeouts import seconds as _seconds


class Queues:
    """The spec's queues: queue.Queue, LifoQueue and PriorityQueue inside this process; a
    multiprocessing.JoinableQueue (FIFO only) as soon as one actor is a process. Priority items are
    (priority, arrival, value), so ties leave in arrival order and values are never compared."""

    def __init__(self, spec, context):
        self.queues = {}
        self.orders = {}
        self.arrivals = itertools.count()
        for name, definition in (spec.get("queues") or {}).items():
            order, maxsize = definition["order"], definition.get("maxsize", 0)
            self.orders[name] = order
            if context is not None:
                if order != "fifo":
                    raise ActorFailure("queues.%s: a %s queue reached by process actors is not supported on cpython (multiprocessing queues are FIFO)" % (name, order))
                self.queues[name] = context.JoinableQueue(maxsize)
            else:
                self.queues[name] = {"fifo": stdqueue.Queue, "lifo": stdqueue.LifoQueue, "priority": stdqueue.PriorityQueue}[order](maxsize)

    def get_queue(self, name):
        if name not in self.queues:
            raise ActorFailure("no queue named %s" % name)
        return self.queues[name]

    def wrap(self, name, value, priority):
        if self.orders[name] != "priority":
            return value
        rank = priority if isinstance(priority, (int, float)) and not isinstance(priority, bool) else value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0
        return (rank, next(self.arrivals), value)

    def unwrap(self, name, item):
        return item[2] if self.orders[name] == "priority" else item


class QueueOps:
    """One actor's view of the queues, with the same blocking rules as its primitives."""

    def __init__(self, queues, offload):
        self.queues = queues
        self.offload = offload

    async def put(self, name, value, priority, blocking, timeout_ms):
        q = self.queues.get_queue(name)
        item = self.queues.wrap(name, value, priority)
        try:
            q.put(item, False)
            return True
        except stdqueue.Full:
            if not blocking:
                return False
        timeout = _seconds(timeout_ms)

        def put_blocking():
            try:
                q.put(item, True, timeout)
                return True
            except stdqueue.Full:
                return False

        return await self.offload(put_blocking)

    async def get(self, name, blocking, timeout_ms):
        q = self.queues.get_queue(name)
        try:
            return True, self.queues.unwrap(name, q.get(False))
        except stdqueue.Empty:
            if not blocking:
                return False, None
        timeout = _seconds(timeout_ms)

        def get_blocking():
            try:
                return True, self.queues.unwrap(name, q.get(True, timeout))
            except stdqueue.Empty:
                return False, None

        return await self.offload(get_blocking)

    def task_done(self, name):
        try:
            self.queues.get_queue(name).task_done()
        except ValueError as error:
            raise ActorFailure("task_done on %s: %s" % (name, error))

    async def join(self, name, timeout_ms):
        q = self.queues.get_queue(name)
        timeout = _seconds(timeout_ms)

        def join_blocking():
            # Queue.join() takes no timeout: it runs on a helper thread, waited for at most that long.
            helper = threading.Thread(target=q.join, name="conlab-queue-join", daemon=True)
            helper.start()
            helper.join(timeout)
            return not helper.is_alive()

        return bool(await self.offload(join_blocking))
