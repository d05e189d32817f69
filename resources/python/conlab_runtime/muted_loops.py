"""A summary repeat on an actor of its own thread, as one generated loop.

Inside a ``repeat`` with ``trace: "summary"`` every step but the forced ones (log, record, mark)
records nothing, so a round is only its steps' work. ``muted_loop`` writes that work out as one
function: the commonest steps inline (a blocking acquire and the release of a mutex, an add of a
constant to a plain shared variable), every other step as a call to its compiled callable
(``Interpreter.compile_step``: the same callable the round would run one by one). A round then costs
about what the same lines written by hand cost, not several Python calls per step.

What stays the same as running the steps one by one:
- the work and its order: the same lock calls, the same read-modify-write, the same values in
  locals. The read-modify-write takes the shared variables' lock, except where the whole spec adds
  to that variable only holding one mutex (``disciplined``): that mutex already orders the adds;
- the deadlock watch: a mutex this actor holds while it may wait for something else is entered in
  the wait table (owner, depth) the moment it is held and left just before it is let go, as the
  compiled steps do. One held only across adds (``_pairs``) is not: its holder cannot wait
  meanwhile, so it can be in no cycle. A take that would block registers its wait either way;
- failures: a release that fails undoes the table's change and fails with the step's message.

The generated source comes from a fixed template: it names only generated identifiers (``t0``,
``o1``...), never a name, number or text of the spec; what a step works on (its lock, variable,
delta) is bound as a value. One code object is compiled per shape of body (the kinds of its steps,
in order) and reused by every actor and trial of this interpreter.
"""

import threading

from .common import ActorFailure, _is_number

RELEASE_ERRORS = (RuntimeError, ValueError, AssertionError)

# Each kind of part: the letters of its bound names (suffixed with the part's position) and its lines.
_TEMPLATES = {
    "call": ("c", ["c{i}()"]),
    # A mutex entered in the wait table: the table written while it is held, as the compiled steps do.
    "acquire_mutex": ("tawold", [
        "if t{i}(False):",
        "    o{i}[l{i}] = w{i}",
        "    d{i}[l{i}] = 1",
        "else:",
        "    a{i}()",
    ]),
    "release_mutex": ("gpqlf", [
        "x{i} = p{i}(l{i}, None)",
        "y{i} = q{i}(l{i}, 0)",
        "try:",
        "    g{i}()",
        "except E as error:",
        "    f{i}(x{i}, y{i}, error)",
    ]),
    # A mutex held only across adds (see _pairs): a take that would block still registers its wait.
    "acquire_bare": ("tb", [
        "if not t{i}(False):",
        "    b{i}()",
    ]),
    "release_bare": ("gf", [
        "try:",
        "    g{i}()",
        "except E as error:",
        "    f{i}(error)",
    ]),
    "add": ("vnkm", [
        "with m{i}:",
        "    v{i}[n{i}] = v{i}[n{i}] + k{i}",
    ]),
    "add_into": ("vnkmrs", [
        "with m{i}:",
        "    z{i} = v{i}[n{i}] + k{i}",
        "    v{i}[n{i}] = z{i}",
        "r{i}[s{i}] = z{i}",
    ]),
    # An add that the spec only ever makes holding one mutex (see disciplined): that mutex orders it.
    "add_held": ("vnk", [
        "v{i}[n{i}] = v{i}[n{i}] + k{i}",
    ]),
    "add_held_into": ("vnkrs", [
        "z{i} = v{i}[n{i}] + k{i}",
        "v{i}[n{i}] = z{i}",
        "r{i}[s{i}] = z{i}",
    ]),
}

_factories = {}
_factories_lock = threading.Lock()


def _source(shape):
    """The factory's source for one shape: ``factory(bound) -> loop(times)``."""
    names = []
    body = []
    for i, kind in enumerate(shape):
        letters, lines = _TEMPLATES[kind]
        names.extend("%s%d" % (letter, i) for letter in letters)
        body.extend(line.format(i=i) for line in lines)
    lines = ["def factory(bound):", "    def loop(times):"]
    if names:
        lines.append("        %s, = bound" % ", ".join(names))
    lines.append("        for _ in range(times):")
    lines.extend("            " + line for line in body or ["pass"])
    lines.extend(["    return loop", ""])
    return "\n".join(lines)


def _factory(shape):
    factory = _factories.get(shape)
    if factory is not None:
        return factory
    with _factories_lock:
        factory = _factories.get(shape)
        if factory is None:
            namespace = {"E": RELEASE_ERRORS}
            exec(compile(_source(shape), "<conlab muted loop>", "exec"), namespace)  # noqa: S102 - a fixed template, see the module's doc
            factory = namespace["factory"]
            _factories[shape] = factory
    return factory


# --- which adds the spec makes only holding one mutex -------------------------------------------


def _plain_acquire(step):
    return step.get("blocking", True) is True and step.get("timeoutMs") is None and not step.get("into")


def _step_lists(node, out):
    """Every list of steps anywhere in the spec (programs, bodies, branches, functions...). A list of
    data that looks like steps is checked too: that can only keep a lock, never drop one."""
    if isinstance(node, list):
        if node and all(isinstance(item, dict) and "op" in item for item in node):
            out.append(node)
        for item in node:
            _step_lists(item, out)
    elif isinstance(node, dict):
        for value in node.values():
            _step_lists(value, out)
    return out


def _list_disciplined(steps, var, lock):
    held = False
    for step in steps:
        op = step.get("op")
        if op == "acquire" and step.get("prim") == lock:
            if held or not _plain_acquire(step):
                return False
            held = True
        elif op == "release" and step.get("prim") == lock:
            if not held:
                return False
            held = False
        elif any(value == lock for key, value in step.items() if key != "op"):
            return False
        elif step.get("var") == var and op not in ("read", "write") and not (op == "add" and held):
            return False
    return not held


_discipline = [None, {}]
_discipline_lock = threading.Lock()


def disciplined(spec, var, lock):
    """Whether every add to ``var`` anywhere in the spec happens between a blocking acquire of the
    mutex ``lock`` and its release, in one list of steps, and ``lock`` is taken and let go nowhere
    else (no release by an actor that did not take it, no condition built on it, nothing else naming
    it). Then two adds to ``var`` never run at once: the mutex orders them, and the shared variables'
    own lock would only be taken again under it. Worked out once per spec."""
    if not isinstance(spec, dict):
        return False
    with _discipline_lock:
        if _discipline[0] is not spec:
            _discipline[0], _discipline[1] = spec, {}
        known = _discipline[1]
        key = (var, lock)
        if key not in known:
            prims = spec.get("primitives") or {}
            declared = prims.get(lock)
            known[key] = (
                isinstance(declared, dict)
                and declared.get("type") == "mutex"
                and not any(isinstance(p, dict) and p.get("lock") == lock for p in prims.values())
                and all(_list_disciplined(steps, var, lock) for steps in _step_lists(spec, []))
            )
        return known[key]


# --- the parts of a body ---------------------------------------------------------------------------


def _mutex(it, step):
    """The lock name of an acquire or release on a mutex this actor enters in the wait table, else None."""
    prims = it.services.prims
    if prims.on_loop or prims.table is None or not isinstance(step.get("prim"), str):
        return None
    lock_name = prims.prims.lock_name(step["prim"])
    return lock_name if prims.prims.kinds.get(lock_name) == "mutex" else None


def _acquire_part(it, step, bare):
    """A blocking acquire of a mutex: (kind, make(it) -> the values its template binds), or None."""
    lock_name = _mutex(it, step)
    if lock_name is None or not _plain_acquire(step):
        return None
    table = it.services.prims.table
    take = it.services.prims.prims.objects[lock_name].acquire
    if bare:
        begin_wait, end_wait = table.begin_wait, table.end_wait

        def make_bare(it):
            actor = it.services.prims.actor

            def wait_for_it():
                # As the step's own acquirer: the wait is registered for the deadlock watch while it blocks.
                begin_wait(actor, lock_name)
                try:
                    take(True)
                finally:
                    end_wait(actor)
            return (take, wait_for_it)
        return "acquire_bare", make_bare
    prim = step["prim"]
    owners, depth = table.owners, table.depth

    def make_entered(it):
        prims = it.services.prims
        return (take, prims.acquirer(prim, True, None), prims.actor, owners, lock_name, depth)
    return "acquire_mutex", make_entered


def _release_part(it, step, bare):
    lock_name = _mutex(it, step)
    if lock_name is None:
        return None
    table = it.services.prims.table
    let_go = it.services.prims.prims.objects[lock_name].release
    if bare:
        def failed_bare(error):
            raise ActorFailure("cannot release %s: %s" % (lock_name, error))
        values = (let_go, failed_bare)
        return "release_bare", lambda it: values

    def failed(owner, level, error):
        # As the step's releaser: the table as it was, and the step's message.
        table.undo(lock_name, (owner, level))
        raise ActorFailure("cannot release %s: %s" % (lock_name, error))

    values = (let_go, table.owners.pop, table.depth.pop, lock_name, failed)
    return "release_mutex", lambda it: values


def _inlinable_add(it, step):
    """The variable of an add of a constant to a plain shared variable holding a number, no index, else None."""
    shared = it.services.vars
    name, delta = step.get("var"), step.get("delta")
    if "index" in step or not isinstance(name, str) or not _is_number(delta) or shared.managed(name) is not None:
        return None
    return name if _is_number(shared.values.get(name)) else None


def _add_part(it, step, held_by):
    name = _inlinable_add(it, step)
    if name is None:
        return None
    shared = it.services.vars
    delta, into = step["delta"], step.get("into")
    spec = getattr(it.services.trial, "spec", None)
    if held_by is not None and disciplined(spec, name, held_by):
        if into:
            return "add_held_into", lambda it: (shared.values, name, delta, it.locals, into)
        values = (shared.values, name, delta)
        return "add_held", lambda it: values
    if into:
        return "add_into", lambda it: (shared.values, name, delta, shared.lock, it.locals, into)
    values = (shared.values, name, delta, shared.lock)
    return "add", lambda it: values


def _inline_add(step):
    return isinstance(step, dict) and step.get("op") == "add"


def _pairs(it, body):
    """{position of an acquire: position of its release} for each mutex taken and let go again in
    ``body`` with only adds in between: nothing there can block, so while this actor holds that
    mutex it waits for nothing and can be in no cycle of the wait-for graph. Its owner need not be
    entered in the table (a waiter for it is still registered: its edge just ends there)."""
    pairs = {}
    for i, step in enumerate(body):
        if not (isinstance(step, dict) and step.get("op") == "acquire"):
            continue
        lock_name = _mutex(it, step)
        if lock_name is None or not _plain_acquire(step):
            continue
        for j in range(i + 1, len(body)):
            other = body[j]
            if _inline_add(other) and _inlinable_add(it, other) is not None:
                continue
            if isinstance(other, dict) and other.get("op") == "release" and _mutex(it, other) == lock_name:
                pairs[i] = j
            break
    return pairs


def _plan(it, body):
    """What each step of ``body`` becomes: [(kind, make(it) -> bound values, or None for a call)],
    or None where a pair could not be kept whole."""
    try:
        pairs = _pairs(it, body)
    except Exception:  # noqa: BLE001 - no pairs: every step keeps its own bookkeeping
        pairs = {}
    releases = {j: i for i, j in pairs.items()}
    holding = {}
    for i, j in pairs.items():
        lock_name = _mutex(it, body[i])
        for k in range(i + 1, j):
            holding[k] = lock_name
    plan = []
    for i, step in enumerate(body):
        part = None
        op = step.get("op") if isinstance(step, dict) else None
        try:
            if op == "acquire":
                part = _acquire_part(it, step, i in pairs)
            elif op == "release":
                part = _release_part(it, step, i in releases)
            elif op == "add":
                part = _add_part(it, step, holding.get(i))
        except Exception:  # noqa: BLE001 - the compiled step reports the same step's failure
            part = None
        if part is None and (i in pairs or i in releases):
            # Both ends of a pair or neither: the other end would be compiled as it is alone.
            return None
        plan.append(part if part is not None else ("call", None))
    return plan


# Plans by body, for the actors of one trial: every thread of a group runs the same body against the
# same primitives, wait table and variables, and only the values of its own (its name, its locals,
# its compiled steps) differ. A plan holds for an actor only where those are the same objects.
_plans = {}


def _context(it):
    services = it.services
    return (services.prims.prims, services.prims.table, services.vars, getattr(services.trial, "spec", None))


def muted_loop(it, body):
    """``loop(times)`` running ``body`` that many times with the trace muted, for an actor on its own
    thread (a task or main actor awaits its steps one by one: None)."""
    if not it.sync:
        return None
    context = _context(it)
    known = _plans.get(id(body))
    plan = None
    if known is not None and known[0] is body and all(a is b for a, b in zip(known[1], context)):
        plan = known[2]
        # An add inlined for the first actor holds a number still (else this actor plans afresh).
        if any(kind.startswith("add") and _inlinable_add(it, step) is None for (kind, _make), step in zip(plan, body)):
            plan = None
    if plan is None:
        plan = _plan(it, body)
        if plan is None:
            return _generic_loop(it, body)
        _plans[id(body)] = (body, context, plan)
    shape = []
    bound = []
    for (kind, make), step in zip(plan, body):
        shape.append(kind)
        bound.extend(make(it) if make is not None else (_with_id(it, step),))
    loop = _factory(tuple(shape))(tuple(bound))
    # What each step became (kept for the tests and for reading a run's behaviour).
    loop.shape = tuple(shape)
    return loop


def _with_id(it, step):
    """A step kept as its compiled callable: it tells the trace its id first, as a block's steps do (the
    events a muted loop still emits, a mark's say, name the step that made them)."""
    call = it.compile_step(step)
    sid = it.ids.get(id(step)) if it.ids else None
    if sid is None:
        return call
    trace = it.services.trace

    def run():
        trace.step = sid
        call()
    return run


def _generic_loop(it, body):
    run = it.block(body)

    def loop(times):
        for _ in range(times):
            run()
    loop.shape = ("block",)
    return loop


def inline_lock_steps(loop):
    """How many acquires and releases one round of a generated loop does written inline (they record
    nothing, not even the muted tally a step of their own keeps)."""
    shape = getattr(loop, "shape", ())
    return (sum(1 for kind in shape if kind.startswith("acquire_")), sum(1 for kind in shape if kind.startswith("release_")))
