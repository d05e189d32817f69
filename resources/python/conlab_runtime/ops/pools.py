"""Pool steps (submit, result, map, shutdown) and return, on concurrent.futures executors
(``pools_host``), with the Node engine's trace events."""

import json

from ..common import ActorFailure, ReturnSignal
from ..pools_host import MAX_MAP_ARGS
from ..step_table import handler


def _pools(it):
    pools = getattr(it.services.trial, "pools", None)
    if pools is None:
        raise ActorFailure("pools are reached from the interpreter's own actors on cpython (main, tasks, threads, a thread pool's workers), not from a process")
    return pools


@handler("submit")
async def _submit(it, step):
    trace = it.services.trace
    arg = it.evaluate(step["arg"]) if "arg" in step else None
    trace.emit("submit", "B", {"pool": step["pool"], "function": step["function"], "arg": arg})
    future, inline_error = _pools(it).get(step["pool"]).submit(it.services, step["function"], arg, step.get("callback"))
    trace.emit("submit", "E", {"pool": step["pool"], "future": future})
    if step.get("into"):
        it.locals[step["into"]] = future
    if inline_error is not None:
        raise ActorFailure(inline_error)


@handler("result")
async def _result(it, step):
    trace = it.services.trace
    future = it.evaluate(step["future"])
    if not isinstance(future, str):
        raise ActorFailure('result needs a future (what submit put in its "into"), got %s' % json.dumps(future))
    pool, task = _pools(it).future(future)
    trace.emit("result", "B", {"future": future})
    trace.flush()
    value = await pool.result(it.services, task, future, step.get("timeoutMs"))
    trace.emit("result", "E", {"future": future, "value": value})
    if step.get("into"):
        it.locals[step["into"]] = value


@handler("map")
async def _map(it, step):
    trace = it.services.trace
    args = it.evaluate(step["args"])
    if not isinstance(args, list):
        raise ActorFailure("map needs a list of arguments, got %s" % json.dumps(args)[:80])
    if len(args) > MAX_MAP_ARGS:
        raise ActorFailure("map takes at most %d arguments, got %d" % (MAX_MAP_ARGS, len(args)))
    pool = _pools(it).get(step["pool"])
    trace.emit("map", "B", {"pool": step["pool"], "function": step["function"], "count": len(args)})
    # As Executor.map: every task is submitted first, then the results are taken in the inputs' order.
    futures = [pool.submit(it.services, step["function"], arg, None)[0] for arg in args]
    trace.flush()
    values = []
    for future in futures:
        values.append(await pool.result(it.services, int(future.rpartition("#")[2]), future, None))
    trace.emit("map", "E", {"pool": step["pool"], "values": values})
    if step.get("into"):
        it.locals[step["into"]] = values


@handler("shutdown")
async def _shutdown(it, step):
    trace = it.services.trace
    pool = _pools(it).get(step["pool"])
    trace.emit("shutdown", "B", {"pool": step["pool"]})
    trace.flush()
    await pool.shutdown(it.services, step.get("wait", True))
    trace.emit("shutdown", "E", {"pool": step["pool"]})


@handler("return")
async def _return(it, step):
    raise ReturnSignal(it.evaluate(step["value"]) if "value" in step else None)
