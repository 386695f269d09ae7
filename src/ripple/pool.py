"""A local process pool that stops at once when the run is stopped.

``ProcessPoolExecutor``'s own ``with`` block waits, on the way out of an exception, for every
task already handed to a worker, and a worker that receives SIGTERM with the rest of its
process group reports the signal as its task's exception and takes the next task: a search
stopped by Ctrl-C or ``timeout`` would run on for minutes. Here the workers leave signals to
the main process (SIGINT ignored, SIGTERM ends them), and an exception in the main process
(Ctrl-C, SIGTERM raised as one, an error) ends the workers and cancels what has not started.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager


def _leave_signals_to_the_main_process() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextmanager
def stoppable_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``workers`` processes, shut down normally when the block ends and ended
    without waiting when it raises."""
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_leave_signals_to_the_main_process)
    try:
        yield pool
    except BaseException:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()  # the running tasks: nobody will read their results
        # the pool's own thread sees its workers gone, fails what is left and ends: waiting for
        # it keeps it from writing into pipes the interpreter is closing on its way out
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
