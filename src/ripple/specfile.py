"""Reading a specification file into plain data, safely whatever its bytes.

Every YAML (and JSON, a subset of YAML) specification goes through :func:`read_yaml`, so each
reader gets the same guarantees: the file is at most :data:`MAX_SPEC_BYTES` (a spec is a few
kilobytes; anything larger is a mistake or an attack), it is UTF-8 text, a key appears once per
mapping (PyYAML would silently keep the last), no tag builds a Python object (the safe loader),
and aliases cannot multiply the document (a 600-byte "billion laughs" file expands to billions
of nodes once anything walks it, e.g. pydantic or an error message). Every failure is one
:class:`~ripple.errors.RippleInputError` naming the file and, where known, the line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ripple.errors import RippleInputError, shown

#: The largest specification file read (16 MiB).
MAX_SPEC_BYTES = 16 * 1024 * 1024
#: How many nodes aliases may add to a document beyond those written in it: generous for
#: anchors reused as defaults, far below what an alias bomb needs.
MAX_ALIAS_NODES = 100_000
#: The longest problem text of the YAML parser quoted in an error.
_MAX_PROBLEM = 120
_MERGE_TAG = "tag:yaml.org,2002:merge"

#: libyaml's parser where PyYAML was built with it (an order of magnitude faster), else Python's
_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_text(path: str | Path) -> str:
    """The text of a specification file: at most :data:`MAX_SPEC_BYTES`, UTF-8."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SPEC_BYTES + 1)
    except FileNotFoundError:
        raise RippleInputError("file not found", source=str(path)) from None
    except OSError as exc:
        raise RippleInputError(f"cannot read file ({exc.strerror})", source=str(path)) from None
    if len(data) > MAX_SPEC_BYTES:
        raise RippleInputError(f"file is larger than {MAX_SPEC_BYTES // 2**20} MiB, the limit "
                               "for a specification file", source=str(path))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RippleInputError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line})",
                               source=str(path)) from None


def path_in_folder(folder: str | Path, given: str, source: str, field: str) -> Path:
    """The file a specification names (``given``, at ``field`` of ``source``), relative to the
    specification's ``folder``. It must stay inside that folder once resolved (no absolute
    path, ``..`` or symbolic link out of it): a file someone sends cannot make Ripple read, or
    quote in an error, anything its author did not ship beside it. A file elsewhere is one the
    user names on the command line."""
    root = Path(folder).resolve()
    if "\0" in given:
        raise RippleInputError(f"{shown(given)} holds a NUL character; no file is called that",
                               source=source, field=field)
    if Path(given).is_absolute():
        raise RippleInputError(f"{shown(given)} is an absolute path; name a file in this "
                               "file's folder, relative to it", source=source, field=field)
    target = (root / given).resolve()
    if not target.is_relative_to(root):
        raise RippleInputError(f"{shown(given)} leads out of this file's folder; a "
                               "specification may name only files in its folder or below",
                               source=source, field=field)
    return target


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file into plain data; any problem is one line naming the file (and the
    line)."""
    return _read(path, None)


def read_peer_yaml(path: str | Path, tool: str) -> tuple[Any, tuple[str, ...]]:
    """Parse another tool's YAML file as that tool reads it, and say where that differs from
    :func:`read_yaml`: a key written twice in a mapping keeps its last value (PyYAML's rule,
    which ZigZag and Timeloop inherit; ZigZag's own ``tpu_like.yaml`` has two ``ports`` keys),
    with one note per duplicate. Every other limit holds."""
    duplicates: list[str] = []
    data = _read(path, duplicates)
    return data, tuple(f"{note}: the last is kept, as {tool} reads it" for note in duplicates)


def _read(path: str | Path, duplicates: list[str] | None) -> Any:
    loader = _SpecLoader(read_text(path))
    loader.duplicates = duplicates
    try:
        return loader.checked_document()
    except yaml.YAMLError as exc:
        raise RippleInputError(_yaml_problem(exc), source=str(path)) from None
    except RecursionError:
        raise RippleInputError("invalid YAML (nested too deeply)", source=str(path)) from None
    finally:
        loader.dispose()


class _SpecLoader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader, checking the composed document before building any of it.
    ``duplicates``, when a list, collects duplicate keys instead of refusing them."""

    duplicates: list[str] | None = None

    def checked_document(self) -> Any:
        """The single document, once its keys are unique and its aliases bounded."""
        root = self.get_single_node()
        if root is None:
            return None
        self._check(root)
        return self.construct_document(root)

    def _check(self, root: Node) -> None:
        """One walk over the node graph, each node once: refuse a key written twice in a
        mapping (PyYAML keeps the last; merged ``<<`` keys are defaults an explicit key may
        override), an alias that contains itself (a structure with no end), and aliases that
        expand the document by more than :data:`MAX_ALIAS_NODES` nodes."""
        written: set[int] = set()
        expanded: dict[int, int] = {}  # node id -> nodes in its expansion, once complete
        ancestors: set[int] = set()
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            key = id(node)
            if done:
                ancestors.discard(key)
                expanded[key] = 1 + sum(expanded[id(child)] for child in _children(node))
                continue
            if key in ancestors:
                raise _problem(node, "an alias refers to a node that contains it")
            written.add(key)
            if key in expanded:
                continue
            if isinstance(node, MappingNode):
                self._check_keys(node)
            ancestors.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
        if expanded[id(root)] - len(written) > MAX_ALIAS_NODES:
            raise _problem(root, f"aliases expand the document by more than "
                                 f"{MAX_ALIAS_NODES:,} nodes")

    def construct_yaml_int(self, node: ScalarNode) -> int:
        """An integer, refused with its line when it has more digits than Python converts
        (``sys.get_int_max_str_digits``, a guard against quadratic-time conversion)."""
        try:
            return int(super().construct_yaml_int(node))
        except ValueError:
            raise _problem(node, f"an integer of {len(node.value):,} characters; expected at "
                                 f"most {sys.get_int_max_str_digits():,} digits") from None

    def _check_keys(self, node: MappingNode) -> None:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                message = f"duplicate key {shown(key)}, first on line {seen[key]}"
                if self.duplicates is None:
                    raise _problem(key_node, message)
                self.duplicates.append(f"line {line}: {message}")
                continue
            seen[key] = line


_SpecLoader.add_constructor("tag:yaml.org,2002:int", _SpecLoader.construct_yaml_int)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _problem(node: Node, message: str) -> yaml.MarkedYAMLError:
    return yaml.MarkedYAMLError(problem=message, problem_mark=node.start_mark)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if len(problem) > _MAX_PROBLEM:
        problem = problem[: _MAX_PROBLEM - 3] + "..."
    return f"{where}invalid YAML ({problem})"
