"""Ends this process when its parent is gone: a thread polls os.getppid(), so even a process busy
in a long computation (the poll needs the GIL only for a moment) does not outlive the lab."""

import _thread
import os
import time

POLL_S = 0.1


def watch_parent(parent_pid):
    def poll():
        while True:
            if os.getppid() != parent_pid:
                os._exit(70)
            time.sleep(POLL_S)

    # Not waited for (threading's start() waits until the thread runs): a process actor starts its
    # program at once. Like a daemon thread, it does not hold the process at its end.
    _thread.start_new_thread(poll, ())
