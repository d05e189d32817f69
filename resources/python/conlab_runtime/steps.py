"""What this runtime supports of the spec language besides steps (the steps are the handlers of
``step_table``). The Node side keeps the same lists
(src-main/engine/runtimes/cpython-support.ts) and refuses a spec before anything starts."""

SUPPORTED_KINDS = frozenset(["main", "thread", "process", "task", "utility"])

SUPPORTED_PRIMITIVES = frozenset(["mutex", "rlock", "semaphore", "bounded-semaphore", "event", "condition", "barrier"])
