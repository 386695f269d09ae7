"""Writing JSON documents: to stdout, or to a file that appears only once complete."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from ripple.errors import RippleInputError


def write_json(document: Any, target: str) -> None:
    """Write ``document`` to ``target`` (``-`` for stdout) atomically."""
    write_text(json.dumps(document, indent=2), target)


def write_text(text: str, target: str) -> None:
    """Write ``text`` and a newline to ``target`` (``-`` for stdout) atomically: a temporary
    file beside it, renamed when complete, so that no partial file is left as if whole."""
    if target == "-":
        sys.stdout.write(text + "\n")
        return
    path = Path(target)
    if path.is_dir():
        raise RippleInputError("is a directory; expected a file to write", source=target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise RippleInputError(f"cannot write here ({exc.strerror})", source=target) from None
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text + "\n")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it owner-only; a result is for everyone
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
