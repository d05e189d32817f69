"""Task actors as gevent greenlets, when a spec asks for it (``"cpython": {"tasks": "gevent"}``).

The greenlets live in one thread of their own, with its gevent hub; main stays on the asyncio loop and
starts them through the hub's thread-safe callback. Each greenlet runs its program as a thread actor does
(its coroutine never suspends: waits are ordinary blocking calls), so what switches is what gevent makes
switch: with ``monkeyPatch`` on, ``gevent.monkey.patch_time()`` has replaced ``time.sleep`` — the lab's
``sleep`` step — and a sleeping greenlet hands the thread to the others; with it off, ``time.sleep``
stalls every greenlet, as in a gevent program that forgot ``monkey.patch_all()``. The ``block`` step
always uses the original ``time.sleep``: it blocks whatever is patched.

Where gevent cannot be imported the tasks stay asyncio tasks, and claims about gevent (``requires:
{pythonModule: "gevent"}``) are inconclusive with that reason.
"""

import threading


def wanted(spec):
    options = spec.get("cpython") or {}
    return options.get("tasks") == "gevent", bool(options.get("monkeyPatch", False))


class GreenletTasks:
    def __init__(self, run_greenlet, monkey_patch):
        import gevent
        from gevent import monkey

        if monkey_patch:
            monkey.patch_time()
        self._gevent = gevent
        self._run_greenlet = run_greenlet
        self.hub = None
        self.thread_ident = None
        ready = threading.Event()

        def hub_thread():
            self.hub = gevent.get_hub()
            self.thread_ident = threading.get_ident()
            ready.set()
            while True:  # the hub runs the greenlets while this one sleeps (interpreter exit ends it)
                gevent.sleep(3600)

        threading.Thread(target=hub_thread, name="conlab-gevent", daemon=True).start()
        ready.wait()

    def start(self, instance):
        if threading.get_ident() == self.thread_ident:
            self._gevent.spawn(self._run_greenlet, instance)
        else:
            self.hub.loop.run_callback_threadsafe(self._gevent.spawn, self._run_greenlet, instance)


def for_spec(spec, run_greenlet):
    """The greenlet host the spec asks for, or None (not asked for, or gevent is not importable)."""
    asked, monkey_patch = wanted(spec)
    if not asked:
        return None
    try:
        import gevent  # noqa: F401
    except ImportError:
        return None
    return GreenletTasks(run_greenlet, monkey_patch)
