"""What this runtime supports of the spec language. The Node side keeps the same lists
(src-main/engine/runtimes/cpython-support.ts) and refuses a spec before anything starts."""

SUPPORTED_STEPS = frozenset([
    "compute", "sleep", "block", "let", "log", "record", "mark", "fail",
    "read", "write", "add",
    "acquire", "release", "wait", "set", "clear",
    "put", "get", "task_done",
    "spawn", "join", "is_alive", "terminate",
    "repeat", "if", "section",
])

SUPPORTED_KINDS = frozenset(["main", "thread", "process", "task"])

SUPPORTED_PRIMITIVES = frozenset(["mutex", "rlock", "semaphore", "bounded-semaphore", "event"])
