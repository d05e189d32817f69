"""Timeouts as the spec gives them (milliseconds, or none) and as Python takes them (seconds or None)."""


def seconds(ms):
    return None if ms is None else ms / 1000.0
