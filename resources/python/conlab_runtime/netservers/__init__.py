"""The network lab's servers on CPython: each server of a spec runs as a Python process of its own
(``python -m conlab_runtime.netservers``), started by the trial before any actor and stopped with it.
sessions.py holds the handlers, models.py the concurrency models, host.py the trial's side."""
