"""Steps of conditions: notify (wait, acquire and release on a condition are the core steps, which
reach the condition and its lock through ``sync.PrimitiveOps``)."""

from ..step_table import handler


@handler("notify")
async def _notify(it, step):
    s = it.services
    every = bool(step.get("all"))
    count = None if every else int(step.get("n", 1))
    s.prims.notify(step["prim"], count)
    s.trace.emit("notify", "I", {"prim": step["prim"], "n": "all" if every else count})
