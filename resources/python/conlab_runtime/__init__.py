"""Concurrency Lab's CPython runtime: runs one trial of a resolved spec on real CPython threads,
multiprocessing processes and asyncio tasks, and reports its trace and result as JSON lines.

Standard library only. The Node engine starts it as ``python3 -m conlab_runtime`` with
``PYTHONPATH`` pointing at the folder that holds this package.
"""

PROTOCOL_VERSION = 1
