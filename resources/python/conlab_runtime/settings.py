"""The spec's ``cpython`` settings: how this interpreter runs the trial (the Node engine has none)."""

import sys

DEFAULT_SWITCH_INTERVAL_S = sys.getswitchinterval()


def apply(spec):
    """sys.setswitchinterval: how long a thread may hold the GIL before another waiting thread is let
    in (CPython's default 5 ms). A trial without the setting runs with the default."""
    ms = (spec.get("cpython") or {}).get("switchIntervalMs")
    sys.setswitchinterval(DEFAULT_SWITCH_INTERVAL_S if ms is None else ms / 1000.0)
    return sys.getswitchinterval()
