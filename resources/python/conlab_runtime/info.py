"""Facts about this interpreter that a run records: version, path, GIL, default start method."""

import importlib.util
import multiprocessing
import platform
import sys


def gil_enabled():
    """True unless this is a free-threaded build running without the GIL (3.13t and later)."""
    probe = getattr(sys, "_is_gil_enabled", None)
    return True if probe is None else bool(probe())


def default_start_method():
    """The start method the lab uses: 'fork' on Linux (fast, and what the lessons describe), else spawn."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


def module_version(name):
    """The installed version of an optional package, or None where it cannot be imported (found without importing it)."""
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except (ImportError, ValueError):
        return None
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # noqa: BLE001 - importable but unversioned: still usable
        return "unknown"


def interpreter_info():
    return {
        "name": platform.python_implementation().lower(),
        "version": platform.python_version(),
        "path": sys.executable,
        "gil": gil_enabled(),
        "startMethod": default_start_method(),
        "platformDefaultStartMethod": multiprocessing.get_start_method(allow_none=False),
        "modules": {"greenlet": module_version("greenlet"), "gevent": module_version("gevent")},
    }
