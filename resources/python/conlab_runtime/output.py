"""The one way out to the Node host: JSON lines on file descriptor 1.

Every process of the trial (the orchestrator, and each multiprocessing child it forks) writes whole
lines under one multiprocessing lock, so lines of different processes never interleave.
"""

import json
import os


class Output:
    def __init__(self, lock):
        self.lock = lock

    def send(self, message):
        data = (json.dumps(message, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")
        with self.lock:
            view = memoryview(data)
            while view:
                written = os.write(1, view)
                view = view[written:]
