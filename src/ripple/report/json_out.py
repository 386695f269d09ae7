"""Writing JSON documents: to stdout, or to a file that appears only once complete.

A document never holds NaN or Infinity: JSON has no such numbers (Python would write them as
bare words other parsers refuse), and a result that is not finite is a wrong result. It is an
error naming the quantity instead.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from ripple.errors import ModelError, RippleInputError
from ripple.specio import field_path


def write_json(document: Any, target: str) -> None:
    """Write ``document`` to ``target`` (``-`` for stdout) atomically."""
    write_text(json_text(document), target)


def write_text(text: str, target: str) -> None:
    """Write ``text`` and a newline to ``target`` (``-`` for stdout) atomically
    (:func:`write_atomic`)."""
    if target == "-":
        sys.stdout.write(text + "\n")
        return
    write_atomic((text + "\n").encode(), target)


def write_atomic(data: bytes, target: str | Path) -> None:
    """Write ``data`` to the file ``target`` atomically: a temporary file beside it, renamed
    when complete, so that no partial file is left as if whole."""
    path = Path(target)
    if path.is_dir():
        raise RippleInputError("is a directory; expected a file to write", source=str(target))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise RippleInputError(f"cannot write here ({exc.strerror})",
                               source=str(target)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it owner-only; a result is for everyone
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def json_text(document: Any) -> str:
    """``document`` as indented JSON; a NaN or infinite number in it is a :class:`ModelError`
    naming where it is."""
    try:
        return json.dumps(document, indent=2, allow_nan=False)
    except ValueError:
        where = _non_finite(document, ())
        if where is None:
            raise
        path, value = where
        raise ModelError(f"the result is {value} (not a finite number); Ripple refuses to "
                         "report it", field=field_path(path)) from None


def _non_finite(value: Any, path: tuple[Any, ...]) -> tuple[tuple[Any, ...], float] | None:
    """The location of the first NaN or infinite float in ``value``, and that float."""
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, value)
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list | tuple) else ())
    for key, inner in items:
        found = _non_finite(inner, (*path, key))
        if found is not None:
            return found
    return None
