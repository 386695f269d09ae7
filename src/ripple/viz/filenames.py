"""File names made from names a model chose (a layer's name in an ONNX graph may be
``/features/features.0/Conv``, or ``x/../../ESCAPED`` in a hostile one).

A stem keeps letters, digits, ``.``, ``_`` and ``-``; anything else becomes ``_``, it never
starts with a dot (no hidden file, no ``..``), and it is at most :data:`MAX_STEM` characters.
A name that had to change gets a short hash of the original, so two names never share a file
(``a/b`` and ``a_b`` stay apart). The file is therefore always directly inside its folder.
"""

from __future__ import annotations

import hashlib
import re

#: The longest stem (file systems allow 255 bytes; the suffix and hash need some).
MAX_STEM = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_stem(name: str) -> str:
    """``name`` as a file name stem that stays inside its folder and is unique per name."""
    stem = _UNSAFE.sub("_", name).lstrip(".")[:MAX_STEM] or "_"
    if stem == name:
        return stem
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{stem}-{digest}"
