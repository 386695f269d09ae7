"""Reading YAML specification files and turning validation failures into one-line errors.

Shared by the ``workload``, ``arch`` and ``mapping`` loaders, which are otherwise independent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ripple.errors import RippleInputError

SpecT = TypeVar("SpecT", bound=BaseModel)
#: libyaml's parser where PyYAML was built with it (an order of magnitude faster), else Python's
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file; a missing file or a syntax error names the file (and the line)."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise RippleInputError("file not found", source=str(path)) from None
    except OSError as exc:
        raise RippleInputError(f"cannot read file ({exc.strerror})", source=str(path)) from None
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RippleInputError(f"{where}invalid YAML ({problem})", source=str(path)) from None


def field_path(loc: tuple[Any, ...]) -> str:
    """Render a pydantic error location as ``levels[0].memories[1].operands``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "<root>"


def validate(model: type[SpecT], data: Any, source: str, prefix: tuple[Any, ...] = ()) -> SpecT:
    """Validate ``data`` against ``model``; the first problem becomes a one-line error whose field
    path starts with ``prefix`` (where ``data`` sits in the file)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = errors[0]
        loc = prefix + tuple(p for p in first["loc"] if not _is_union_tag(p))
        message = _expected(first)
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise RippleInputError(message + more, source=source, field=field_path(loc)) from None


def load_spec(model: type[SpecT], path: str | Path) -> SpecT:
    """Read and validate one specification file."""
    return validate(model, read_yaml(path), str(path))


def _is_union_tag(part: Any) -> bool:
    # pydantic inserts the name of the tried union member (e.g. 'int', 'list[int]') into locations,
    # and the tag of a discriminated union member (a workload node is a 'Layer' or 'Operation')
    return isinstance(part, str) and ("[" in part or part in {"int", "str", "float", "list",
                                                              "Layer", "Operation"})


def _expected(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (not part of the schema)"
    received = error.get("input")
    shown = repr(received)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    msg = error["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return f"{msg}; got {shown}"
