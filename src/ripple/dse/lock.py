"""One exploration at a time per export path: an exclusive lock beside the export.

Two runs on one export used to share its part folder: the second deleted the first's parts
and the first then finished "complete" with rows of both. The lock is a ``flock`` on
``EXPORT.lock``, which holds the holder's pid: the kernel releases it when the holder dies, so
a lock left by a killed run is taken over without a question, and a live holder is named.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from ripple.errors import RippleInputError


class ExportLock:
    """Context manager holding the lock of ``export`` (refused, naming the holder's pid, when
    another process holds it)."""

    def __init__(self, export: Path) -> None:
        self.export = export
        self.path = export.with_name(export.name + ".lock")
        self._fd: int | None = None

    def __enter__(self) -> ExportLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)  # the export's folder, made here
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise RippleInputError(f"another exploration (pid {holder}) is writing this "
                                       "export; wait for it to end or give another --export",
                                       source=str(self.export), field="--export") from None
            if _same_file(fd, self.path):  # not a file its last holder unlinked meanwhile
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)  # still held: no one can take it in between
            os.close(self._fd)
            self._fd = None


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False
