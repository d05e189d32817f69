"""The core steps: work, data, sync, queues, actors and control flow, one handler per op."""

from ..common import ActorFailure, LOG_FIELD, _is_number, as_number, js_number, spin
from ..muted_loops import inline_lock_steps, muted_loop
from ..step_table import fast, handler

@handler("compute")
async def _compute(it, step):
    trace = it.services.trace
    iterations = int(it.amount(step["iterations"], "compute.iterations", 1e12))
    trace.emit("compute", "B", {"iterations": iterations})
    if iterations > 1000000:
        trace.flush()
    result = spin(iterations)
    trace.emit("compute", "E", {"result": result})


@handler("sleep")
async def _sleep(it, step):
    s = it.services
    trace = it.services.trace
    ms = it.amount(step["ms"], "sleep.ms", 86400000)
    trace.emit("sleep", "B", {"ms": ms})
    if not trace.muted:
        trace.flush()
    await s.sleep(ms)
    trace.emit("sleep", "E")


@handler("block")
async def _block(it, step):
    s = it.services
    trace = it.services.trace
    ms = it.amount(step["ms"], "block.ms", 86400000)
    trace.emit("block", "B", {"ms": ms})
    if not trace.muted:
        trace.flush()
    s.block(ms)
    trace.emit("block", "E")


@handler("let")
async def _let(it, step):
    trace = it.services.trace
    value = it.evaluate(step["value"])
    it.locals[step["name"]] = value
    trace.emit("let", "I", {"name": step["name"], "value": value})


@handler("log")
async def _log(it, step):
    trace = it.services.trace
    values = {k: it.evaluate(v) for k, v in (step.get("values") or {}).items()}
    message = LOG_FIELD.sub(lambda m: it.text(values[m.group(1)]) if m.group(1) in values else m.group(0), step["message"])
    trace.emit("log", "I", {"message": message}, True)


@handler("record")
async def _record(it, step):
    trace = it.services.trace
    trace.emit("record", "I", {"name": step["name"], "value": it.evaluate(step["value"])}, True)


@handler("mark")
async def _mark(it, step):
    trace = it.services.trace
    trace.emit("mark", "I", {"name": step["name"]}, True)


@handler("fail")
async def _fail(it, step):
    raise ActorFailure(step["message"])


@handler("read")
async def _read(it, step):
    s = it.services
    trace = it.services.trace
    index = it.evaluate(step["index"]) if "index" in step else None
    value = s.vars.read(step["var"], index)
    it.locals[step["into"]] = value
    trace.emit("read", "I", {"var": step["var"], "value": value} if index is None else {"var": step["var"], "index": index, "value": value})


@handler("write")
async def _write(it, step):
    s = it.services
    trace = it.services.trace
    index = it.evaluate(step["index"]) if "index" in step else None
    value = it.evaluate(step["value"])
    s.vars.write(step["var"], index, value)
    trace.emit("write", "I", {"var": step["var"], "value": value} if index is None else {"var": step["var"], "index": index, "value": value})


@handler("add")
async def _add(it, step):
    s = it.services
    trace = it.services.trace
    index = it.evaluate(step["index"]) if "index" in step else None
    delta = as_number(it.evaluate(step["delta"]), "add.delta")
    value = s.vars.add(step["var"], index, delta)
    if step.get("into"):
        it.locals[step["into"]] = value
    data = {"var": step["var"], "delta": delta, "value": value}
    if index is not None:
        data = {"var": step["var"], "index": index, "delta": delta, "value": value}
    trace.emit("add", "I", data)


@handler("acquire")
async def _acquire(it, step):
    s = it.services
    trace = it.services.trace
    trace.emit("acquire", "B", {"prim": step["prim"]})
    ok = await s.prims.acquire(step["prim"], step.get("blocking", True), step.get("timeoutMs"))
    trace.emit("acquire", "E", {"prim": step["prim"], "ok": ok})
    if step.get("into"):
        it.locals[step["into"]] = ok


@handler("release")
async def _release(it, step):
    s = it.services
    trace = it.services.trace
    s.prims.release(step["prim"])
    trace.emit("release", "I", {"prim": step["prim"]})


@handler("wait")
async def _wait(it, step):
    s = it.services
    trace = it.services.trace
    trace.emit("wait", "B", {"prim": step["prim"]})
    passed, index = await s.prims.wait(step["prim"], step.get("timeoutMs"))
    trace.emit("wait", "E", {"prim": step["prim"], "passed": passed} if index is None else {"prim": step["prim"], "passed": passed, "index": index})
    if step.get("into"):
        it.locals[step["into"]] = passed


@handler("set")
async def _set(it, step):
    s = it.services
    trace = it.services.trace
    s.prims.set(step["prim"])
    trace.emit("set", "I", {"prim": step["prim"]})


@handler("clear")
async def _clear(it, step):
    s = it.services
    trace = it.services.trace
    s.prims.clear(step["prim"])
    trace.emit("clear", "I", {"prim": step["prim"]})


@handler("spawn")
async def _spawn(it, step):
    s = it.services
    trace = it.services.trace
    trace.emit("spawn", "B", {"actor": step["actor"]})
    names = s.spawn(step["actor"], it.instance_index(step.get("index")))
    trace.emit("spawn", "E", {"actor": step["actor"], "names": names})


async def _join_queue(it, step):
    s = it.services
    trace = it.services.trace
    trace.emit("join", "B", {"queue": step["queue"]})
    trace.flush()
    ok = await s.queues.join(step["queue"], step.get("timeoutMs"))
    trace.emit("join", "E", {"queue": step["queue"], "ok": ok})


async def _join(it, step):
    s = it.services
    trace = it.services.trace
    trace.emit("join", "B", {"actor": step["actor"]})
    trace.flush()
    ok = await s.join(step["actor"], it.instance_index(step.get("index")), step.get("timeoutMs"))
    trace.emit("join", "E", {"actor": step["actor"], "ok": ok})


@handler("put")
async def _put(it, step):
    s = it.services
    trace = it.services.trace
    value = it.evaluate(step["value"])
    priority = it.evaluate(step["priority"]) if "priority" in step else None
    trace.emit("put", "B", {"queue": step["queue"], "value": value})
    trace.flush()
    ok = await s.queues.put(step["queue"], value, priority, step.get("blocking", True), step.get("timeoutMs"))
    trace.emit("put", "E", {"queue": step["queue"], "ok": ok})
    if step.get("into"):
        it.locals[step["into"]] = ok
    elif not ok:
        how = "without blocking" if step.get("blocking") is False else "timed out after %s ms" % js_number(step.get("timeoutMs"))
        raise ActorFailure('queue %s is full (put %s); give the step an "into" to handle it' % (step["queue"], how))


@handler("get")
async def _get(it, step):
    s = it.services
    trace = it.services.trace
    trace.emit("get", "B", {"queue": step["queue"]})
    trace.flush()
    ok, value = await s.queues.get(step["queue"], step.get("blocking", True), step.get("timeoutMs"))
    trace.emit("get", "E", {"queue": step["queue"], "ok": True, "value": value} if ok else {"queue": step["queue"], "ok": False})
    if step.get("into"):
        it.locals[step["into"]] = value if ok else None
    elif not ok:
        how = "without blocking" if step.get("blocking") is False else "timed out after %s ms" % js_number(step.get("timeoutMs"))
        raise ActorFailure('queue %s is empty (get %s); give the step an "into" to handle it' % (step["queue"], how))


@handler("task_done")
async def _task_done(it, step):
    s = it.services
    trace = it.services.trace
    s.queues.task_done(step["queue"])
    trace.emit("task_done", "I", {"queue": step["queue"]})


@handler("terminate")
async def _terminate(it, step):
    s = it.services
    trace = it.services.trace
    index = it.instance_index(step.get("index"))
    s.terminate(step["actor"], index)
    trace.emit("terminate", "I", {"actor": step["actor"], "index": index})


@handler("is_alive")
async def _is_alive(it, step):
    s = it.services
    trace = it.services.trace
    alive = s.is_alive(step["actor"], it.instance_index(step.get("index")))
    it.locals[step["into"]] = alive
    trace.emit("is_alive", "I", {"actor": step["actor"], "alive": alive})


def _at(it, step):
    """Events from here on are the step's own again (a repeat's or section's end, after its body's steps)."""
    sid = it.step_id(step)
    if sid is not None:
        it.services.trace.step = sid


@handler("repeat")
async def _repeat(it, step):
    trace = it.services.trace
    times = step["times"]
    summary = step.get("trace") == "summary" or (step.get("trace") is None and times > 10000)
    trace.emit("repeat", "B", {"times": times, "trace": "summary" if summary else "each"})
    if summary:
        trace.mute_depth += 1
    try:
        for _ in range(times):
            await it.steps(step["steps"])
    finally:
        if summary:
            trace.mute_depth -= 1
    _at(it, step)
    trace.emit("repeat", "E", trace.end_data({"times": times}) if summary else {"times": times})


@handler("if")
async def _if(it, step):
    trace = it.services.trace
    taken = it.test(step["cond"])
    trace.emit("if", "I", {"taken": taken})
    if taken:
        await it.steps(step["then"])
    elif step.get("else"):
        await it.steps(step["else"])


@handler("section")
async def _section(it, step):
    trace = it.services.trace
    trace.emit("section", "B", {"name": step["name"]}, True)
    try:
        await it.steps(step["steps"])
    finally:
        _at(it, step)
        trace.emit("section", "E", {"name": step["name"]}, True)


@handler("join")
async def _join_any(it, step):
    if "queue" in step:
        await _join_queue(it, step)
    else:
        await _join(it, step)


# --- fast compilers: the same steps for an actor on its own thread, as plain callables ------------
# Each does what its handler above does, with what does not change between runs of the step (names,
# constant operands, the trace's data when it holds no value) worked out once. Events that a muted
# trace would not record are not built. Where a step could fail differently, the compiler returns
# None and the handler runs.


@fast("mark")
def _mark_fast(it, step):
    emit = it.services.trace.emit
    data = {"name": step["name"]}

    def mark():
        emit("mark", "I", data, True)
    return mark


@fast("acquire")
def _acquire_fast(it, step):
    trace = it.services.trace
    emit = trace.emit
    prim = step["prim"]
    take = it.services.prims.acquirer(prim, step.get("blocking", True), step.get("timeoutMs"))
    if take is None:
        return None
    begin, taken, refused = {"prim": prim}, {"prim": prim, "ok": True}, {"prim": prim, "ok": False}
    into = step.get("into")
    local = it.locals

    def acquire():
        if trace.mute_depth:
            ok = take()
            trace.muted_acquires += 2
        else:
            emit("acquire", "B", begin)
            ok = take()
            emit("acquire", "E", taken if ok else refused)
        if into:
            local[into] = ok
    return acquire


@fast("release")
def _release_fast(it, step):
    trace = it.services.trace
    emit = trace.emit
    let_go = it.services.prims.releaser(step["prim"])
    if let_go is None:
        return None
    data = {"prim": step["prim"]}

    def release():
        let_go()
        if not trace.mute_depth:
            emit("release", "I", data)
        else:
            trace.muted_releases += 1
    return release


@fast("add")
def _add_fast(it, step):
    trace = it.services.trace
    emit = trace.emit
    shared = it.services.vars
    name, delta, into = step["var"], step["delta"], step.get("into")
    # A plain shared variable, no index, a constant delta: anything else goes through the handler.
    if "index" in step or not _is_number(delta) or shared.managed(name) is not None or name not in shared.values:
        return None
    values, lock, local = shared.values, shared.lock, it.locals

    def add():
        with lock:
            value = values[name] + delta
            values[name] = value
        if into:
            local[into] = value
        if not trace.mute_depth:
            emit("add", "I", {"var": name, "delta": delta, "value": value})
    return add


@fast("let")
def _let_fast(it, step):
    trace = it.services.trace
    name, value = step["name"], step["value"]
    local = it.locals
    if isinstance(value, dict):
        evaluate = it.evaluate

        def let():
            result = evaluate(value)
            local[name] = result
            if not trace.mute_depth:
                trace.emit("let", "I", {"name": name, "value": result})
        return let
    data = {"name": name, "value": value}

    def let_constant():
        local[name] = value
        if not trace.mute_depth:
            trace.emit("let", "I", data)
    return let_constant


@fast("repeat")
def _repeat_fast(it, step):
    trace = it.services.trace
    emit = trace.emit
    times = step["times"]
    summary = step.get("trace") == "summary" or (step.get("trace") is None and times > 10000)
    begin = {"times": times, "trace": "summary" if summary else "each"}
    end = {"times": times}
    body = step["steps"]
    block = it.block
    sid = it.step_id(step)
    if summary:
        # Muted throughout: the body as one generated loop (see muted_loops), made on the first run.
        made = []

        def repeat_muted():
            emit("repeat", "B", begin)
            if not made:
                made.append(muted_loop(it, body))
            loop = made[0]
            trace.mute_depth += 1
            done = 0
            try:
                loop(times)
                done = times
            finally:
                trace.mute_depth -= 1
                # The lock steps written into the loop record no event: count what they did (an acquire
                # stands for its begin and end), as a muted acquire or release step counts itself.
                acquires, releases = inline_lock_steps(loop)
                if done and (acquires or releases):
                    trace.muted_acquires += 2 * acquires * done
                    trace.muted_releases += releases * done
            # The body's steps named themselves: the end is the repeat's own again.
            if sid is not None:
                trace.step = sid
            emit("repeat", "E", trace.end_data(end))
        return repeat_muted

    def repeat():
        emit("repeat", "B", begin)
        run = block(body)
        for _ in range(times):
            run()
        if sid is not None:
            trace.step = sid
        emit("repeat", "E", end)
    return repeat


@fast("if")
def _if_fast(it, step):
    trace = it.services.trace
    emit = trace.emit
    cond, then, otherwise = step["cond"], step["then"], step.get("else")
    test, block = it.test, it.block
    taken_data, skipped_data = {"taken": True}, {"taken": False}

    def if_():
        taken = test(cond)
        emit("if", "I", taken_data if taken else skipped_data)
        if taken:
            block(then)()
        elif otherwise:
            block(otherwise)()
    return if_


@fast("section")
def _section_fast(it, step):
    trace = it.services.trace
    emit = trace.emit
    data = {"name": step["name"]}
    body = step["steps"]
    block = it.block
    sid = it.step_id(step)

    def section():
        emit("section", "B", data, True)
        try:
            block(body)()
        finally:
            if sid is not None:
                trace.step = sid
            emit("section", "E", data, True)
    return section
