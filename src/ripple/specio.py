"""Validating specification data and turning validation failures into one-line errors.

Shared by every loader: :func:`read_yaml` (:mod:`ripple.specfile`) gives plain data, and
:func:`validate` checks it against a pydantic model. All problems found are reported in one
line (``FIELD: message; FIELD: message``), each received value shown bounded, an unknown key
with the closest known one.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from ripple.errors import RippleInputError, shown
from ripple.specfile import read_peer_yaml, read_yaml

__all__ = ["field_path", "load_spec", "read_peer_yaml", "read_yaml", "unknown_field", "validate"]

SpecT = TypeVar("SpecT", bound=BaseModel)
#: The most problems one error line lists (a file of thousands of wrong entries would otherwise
#: print a line of megabytes); the rest are counted.
MAX_PROBLEMS = 20
#: The longest key of a field path shown.
MAX_KEY = 40


def field_path(loc: tuple[Any, ...]) -> str:
    """Render a pydantic error location as ``levels[0].memories[1].operands`` (a key the file
    chose, such as a layer's name, cut to :data:`MAX_KEY` characters)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = str(part)
            key = key if len(key) <= MAX_KEY else key[: MAX_KEY - 3] + "..."
            out += ("." if out else "") + key
    return out or "<root>"


def unknown_field(keys: Iterable[object], known: Iterable[str]) -> str:
    """``unknown field 'lefft' (did you mean 'left'?)``: each key with the closest known one,
    and the known ones when some key is close to none."""
    known = list(known)
    parts, unmatched = [], False
    for key in keys:
        close = difflib.get_close_matches(str(key), known, n=1)
        parts.append(f"{shown(key)} (did you mean {close[0]!r}?)" if close else shown(key))
        unmatched |= not close
    expected = f"; expected one of {', '.join(known)}" if unmatched and known else ""
    return f"unknown field{'s' if len(parts) > 1 else ''} {', '.join(parts)}{expected}"


def validate(model: type[SpecT], data: Any, source: str, prefix: tuple[Any, ...] = ()) -> SpecT:
    """Validate ``data`` against ``model``; every problem goes into one error line, with field
    paths starting with ``prefix`` (where ``data`` sits in the file)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _input_error(exc, model, source, prefix) from None


def load_spec(model: type[SpecT], path: str | Path) -> SpecT:
    """Read and validate one specification file."""
    return validate(model, read_yaml(path), str(path))


def _input_error(exc: ValidationError, model: type[BaseModel], source: str,
                 prefix: tuple[Any, ...]) -> RippleInputError:
    """One error for all of ``exc``'s problems; the first problem's field is its field. Errors
    of several members of a union at one location are one problem ("... or ...")."""
    grouped: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for error in exc.errors(include_url=False):
        loc = _location(error)
        # the unknown keys of one model are one problem, located at the first of them
        where = (*loc[:-1], _UNKNOWN) if error["type"] == "extra_forbidden" else loc
        grouped.setdefault(where, []).append(error)
    explained = _misspelt(model, grouped)
    # a misspelt key comes first, and the "missing" field it names is not a problem of its own
    ordered = sorted((errors for where, errors in grouped.items() if where not in explained),
                     key=lambda errors: errors[0]["type"] != "extra_forbidden")
    problems = [(field_path(prefix + _location(errors[0])), _message(model, errors))
                for errors in ordered]
    first_field, first = problems[0]
    rest = [f"{field}: {message}" for field, message in problems[1:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        rest.append(f"and {len(problems) - MAX_PROBLEMS} more problems")
    return RippleInputError("; ".join([first, *rest]), source=source, field=first_field)


def _misspelt(model: type[BaseModel],
              grouped: dict[tuple[Any, ...], list[dict[str, Any]]]) -> set[tuple[Any, ...]]:
    """The locations of required fields reported missing because a key beside them is their
    misspelling (``read_bandwith`` for ``read_bandwidth``): the unknown key explains them."""
    explained: set[tuple[Any, ...]] = set()
    for errors in grouped.values():
        if errors[0]["type"] != "extra_forbidden":
            continue
        parent = _location(errors[0])[:-1]
        known = _fields_at(model, errors[0]["loc"][:-1])
        for error in errors:
            close = difflib.get_close_matches(str(error["loc"][-1]), known, n=1)
            if close and grouped.get((*parent, close[0]), [{}])[0].get("type") == "missing":
                explained.add((*parent, close[0]))
    return explained


def _location(error: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(p for p in error["loc"] if not _is_union_tag(p))


def _message(model: type[BaseModel], errors: list[dict[str, Any]]) -> str:
    first = errors[0]
    if first["type"] == "missing":
        return "required field is missing"
    if first["type"] == "extra_forbidden":
        return unknown_field([error["loc"][-1] for error in errors],
                             _fields_at(model, first["loc"][:-1]))
    messages = list(dict.fromkeys(_plain(error["msg"]) for error in errors))
    received = first.get("input")
    own_check = first["type"] not in _TYPE_ERRORS and isinstance(received, dict | list)
    # a model's own check names what is wrong; the whole model as "got" would only be noise
    return " or ".join(messages) + ("" if own_check else f"; got {shown(received)}")


#: Stands for the unknown keys of a model in a grouping key (no field is called that).
_UNKNOWN = object()
#: Error types that say what was received is of the wrong kind: the received value is shown.
_TYPE_ERRORS = {"model_type", "model_attributes_type", "dict_type", "list_type", "tuple_type",
                "string_type", "int_type", "float_type", "bool_type", "literal_error"}


def _plain(msg: str) -> str:
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _is_union_tag(part: Any) -> bool:
    # pydantic inserts the name of the tried union member (e.g. 'int', 'list[int]') into locations,
    # and the tag of a discriminated union member (a workload node is a 'Layer' or 'Operation')
    return isinstance(part, str) and ("[" in part or part in {"int", "str", "float", "list",
                                                              "bool", "none", "dict",
                                                              "Layer", "Operation"})


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the model at ``loc`` (below ``model``) accepts; empty when ``loc`` leads to no
    model (the suggestion is then left out)."""
    kinds: list[Any] = [model]
    for part in loc:
        kinds = [step for kind in kinds for step in _step(kind, part)]
    names: dict[str, None] = {}
    for kind in kinds:
        for member in _members(kind):
            if isinstance(member, type) and issubclass(member, BaseModel):
                names.update((info.alias or name, None)
                             for name, info in member.model_fields.items())
    return list(names)


def _members(kind: Any) -> list[Any]:
    """``kind`` without its annotations, as the list of its union's members."""
    origin = get_origin(kind)
    if origin is Annotated:
        return _members(get_args(kind)[0])
    if origin in (Union, types.UnionType):
        return [inner for member in get_args(kind) for inner in _members(member)]
    return [kind]


def _step(kind: Any, part: Any) -> list[Any]:
    """The types found one location ``part`` below a value of type ``kind``."""
    members = _members(kind)
    if len(members) > 1:
        # a location names the union member tried (a class name, or a tag such as 'int')
        named = [m for m in members if getattr(m, "__name__", None) == part]
        return named or [step for member in members for step in _step(member, part)]
    kind = members[0]
    origin = get_origin(kind)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        for name, info in kind.model_fields.items():
            if part in (name, info.alias):
                return [info.annotation]
        return []
    args = get_args(kind)
    if origin is dict and len(args) == 2:
        return [args[1]]
    if origin in (list, set, frozenset) and args:
        return [args[0]]
    if origin is tuple and args:
        if len(args) == 2 and args[1] is Ellipsis:
            return [args[0]]
        return [args[part]] if isinstance(part, int) and part < len(args) else []
    return []
