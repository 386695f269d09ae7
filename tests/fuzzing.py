"""Mutations of input files for the fuzz tests: the bundled examples with keys deleted or
misspelt, values of the wrong type, huge, negative, zero, NaN or infinite numbers, integers
past 2^63, paths that leave the folder, duplicate keys, non-UTF-8 bytes, truncation, alias
bombs and python tags; and the checks every outcome must pass."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck
from hypothesis import strategies as st

from tests.conftest import EXAMPLES

SEED = EXAMPLES / "seed_case"
MULTICORE = EXAMPLES / "multicore"
MACHINES = ["single_core.yaml", "dual_core.yaml", "quad_core.yaml", "hetero.yaml"]
PRESETS = ["ws", "os", "is", "rs", "ed"]
ARCHS = ["arch.yaml", "arch_gated.yaml", "arch_compressed.yaml", "arch_skip.yaml"]
MAPPINGS = ["mapping_event_driven.yaml", "mapping_weight_stationary.yaml",
            "mapping_input_scatter.yaml"]


def _bomb() -> list[Any]:
    """A list whose dump is a few hundred bytes of aliases expanding to 9^8 strings."""
    bomb: list[Any] = ["lol"] * 9
    for _ in range(7):
        bomb = [bomb] * 9
    return bomb


#: What a mutated value becomes: wrong types, boundary and huge numbers, non-finite floats.
VALUES: list[Any] = [
    "x", "", [], {}, None, True, 0, 1, 2, -1, 0.5, -0.5, 1e300, -1e300, float("nan"),
    float("inf"), -float("inf"), 2**31 - 1, 2**31, 2**53, 2**53 + 1, 2**63 - 1, 2**63, 2**64,
    -(2**63), 10**18, "x" * 10_000, [1, 2], {"a": 1}, [[1, 2]], _bomb(),
    "../outside.yaml", "../../../../etc/passwd", "/etc/passwd", "/dev/zero", ".",
]


@dataclass(frozen=True)
class Mutation:
    """One change to a file: ``kind`` at position ``at`` (taken modulo what the file has)."""

    kind: str  # delete | set | typo | duplicate | bytes | truncate | tag
    at: int
    value: int = 0  # index into VALUES, for set

    def applies_to_data(self) -> bool:
        return self.kind in ("delete", "set", "typo")


#: Mostly changed values (they reach the schema and the model); a byte-level change stops at
#: the parser, so one of each kind is enough.
KINDS = ["set"] * 8 + ["delete"] * 3 + ["typo"] * 2 + ["duplicate", "bytes", "truncate", "tag"]
mutations = st.builds(Mutation, kind=st.sampled_from(KINDS), at=st.integers(0, 10**6),
                      value=st.integers(0, len(VALUES) - 1))


def _locations(data: Any, leaves: bool, prefix: tuple[Any, ...] = (),
               seen: set[int] | None = None) -> list[tuple[Any, ...]]:
    """Every key path of a parsed document (dict keys and list indices), parents first; only
    those of scalars when ``leaves``. A shared container (an alias bomb) is entered once."""
    seen = set() if seen is None else seen
    if id(data) in seen:
        return []
    seen.add(id(data))
    items = data.items() if isinstance(data, dict) else (
        enumerate(data) if isinstance(data, list) else ())
    out = []
    for key, inner in items:
        if not leaves or not isinstance(inner, dict | list):
            out.append((*prefix, key))
        out.extend(_locations(inner, leaves, (*prefix, key), seen))
    return out


def _mutate_data(data: Any, mutation: Mutation) -> Any:
    places = _locations(data, leaves=mutation.kind == "set")
    if not places:
        return VALUES[mutation.value] if mutation.kind == "set" else data
    *parents, last = places[mutation.at % len(places)]
    data = copy.deepcopy(data)
    holder = data
    for key in parents:
        holder = holder[key]
    if mutation.kind == "delete":
        del holder[last]
    elif mutation.kind == "typo":
        if isinstance(holder, dict):  # the key misspelt: a letter dropped, or one added
            key = str(last)
            typo = key[:-1] if len(key) > 1 and mutation.value % 2 else key + "s"
            holder[typo] = holder.pop(last)
    else:
        holder[last] = VALUES[mutation.value]
    return data


def _mutate_text(content: bytes, mutation: Mutation) -> bytes:
    at = mutation.at % max(len(content), 1)
    if mutation.kind == "bytes":
        return content[:at] + b"\xff\xfe\xc3" + content[at:]
    if mutation.kind == "truncate":
        return content[:at]
    if mutation.kind == "tag":
        return content + b"\nzz_tag: !!python/object/apply:os.system ['echo owned']\n"
    lines = content.splitlines(keepends=True)  # duplicate: a line written twice in a row
    if not lines:
        return content
    index = mutation.at % len(lines)
    return b"".join([*lines[: index + 1], lines[index], *lines[index + 1:]])


def mutated(original: Path, changes: list[Mutation]) -> bytes:
    """The file with the data mutations applied to its parsed content (dumped again), then the
    text mutations to its bytes."""
    content = original.read_bytes()
    data_changes = [m for m in changes if m.applies_to_data()]
    if data_changes:
        data = yaml.safe_load(content)
        for change in data_changes:
            data = _mutate_data(data, change)
        content = yaml.safe_dump(data, sort_keys=False).encode()
    for change in changes:
        if not change.applies_to_data():
            content = _mutate_text(content, change)
    return content


def _refuse_constant(name: str) -> float:
    raise AssertionError(f"the JSON holds {name}")


def assert_finite_json(text: str) -> None:
    """``text`` is one JSON document with no NaN, Infinity or non-finite float in it."""
    document = json.loads(text, parse_constant=_refuse_constant)
    assert all(math.isfinite(x) for x in floats(document))


def assert_one_error_line(returncode: int, stderr: str) -> None:
    """A refused input: exit 2 and one readable ``ripple: error:`` line, nothing else."""
    assert returncode == 2, (returncode, stderr)
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ripple: error: "), stderr
    assert len(lines[0]) < 8_000, "an error line must stay readable"


def floats(value: Any) -> list[float]:
    if isinstance(value, float):
        return [value]
    items = value.values() if isinstance(value, dict) else (
        value if isinstance(value, list) else ())
    return [x for inner in items for x in floats(inner)]



FUZZ = dict(derandomize=True, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
changes = st.lists(mutations, min_size=1, max_size=2)


@st.composite
def evaluate_runs(draw: st.DrawFn) -> tuple[dict[str, Path], str, list[Mutation]]:
    """The seed case under one of its mappings and architectures, one file mutated."""
    files = {"workload": SEED / "workload.yaml", "arch": SEED / draw(st.sampled_from(ARCHS)),
             "mapping": SEED / draw(st.sampled_from(MAPPINGS))}
    return files, draw(st.sampled_from(["workload", "arch", "arch", "mapping"])), draw(changes)


@st.composite
def preset_runs(draw: st.DrawFn) -> tuple[dict[str, Path], str, list[Mutation], str]:
    """An example architecture, mutated, under a dataflow preset."""
    arch = draw(st.sampled_from([SEED / "arch.yaml", EXAMPLES / "seed_dram" / "arch.yaml",
                                 EXAMPLES / "eyeriss_like" / "arch.yaml"]))
    return {"arch": arch}, "arch", draw(changes), draw(st.sampled_from(PRESETS))


@st.composite
def multicore_runs(draw: st.DrawFn) -> tuple[dict[str, Path], str, list[Mutation], str]:
    """An example machine with its core file (the dual core with its partition), one of them
    mutated, in one of the modes."""
    machine = draw(st.sampled_from(MACHINES))
    files = {"machine": MULTICORE / machine, "core": MULTICORE / "core_16mac.yaml"}
    if machine == "dual_core.yaml":
        files["partition"] = MULTICORE / "pipeline.yaml"
    return files, draw(st.sampled_from(sorted(files))), draw(changes), draw(st.sampled_from(
        ["layer", "fused", "event"]))
