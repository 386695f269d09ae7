"""Hostile input files through the CLI: the bundled examples, mutated (keys deleted, values of
the wrong type, huge, negative, zero, NaN or infinite numbers, duplicate keys, non-UTF-8 bytes,
truncation, alias bombs, python tags), must each end in exit 0 with finite numbers in the JSON
or exit 2 with one line on stderr: never a traceback, a warning or a file left behind. The
commands: ``evaluate`` (a mapping, or a dataflow preset on another example architecture),
``workload`` and ``multicore`` (a machine, its core file and a partition).

The commands run in this process (their entry function, not a subprocess: a hundred times
faster), derandomised so that every run tries the same files.
"""

from __future__ import annotations

import copy
import json
import math
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES, run_main

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
]


@dataclass(frozen=True)
class Mutation:
    """One change to a file: ``kind`` at position ``at`` (taken modulo what the file has)."""

    kind: str  # delete | set | duplicate | bytes | truncate | tag
    at: int
    value: int = 0  # index into VALUES, for set

    def applies_to_data(self) -> bool:
        return self.kind in ("delete", "set")


#: Mostly changed values (they reach the schema and the model); a byte-level change stops at
#: the parser, so one of each kind is enough.
KINDS = ["set"] * 8 + ["delete"] * 3 + ["duplicate", "bytes", "truncate", "tag"]
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


def check_run(argv: list[str], folder: Path) -> None:
    """Run the CLI on files in ``folder``; check the outcome and that it wrote nothing."""
    before = sorted(folder.iterdir())
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # an overflow NumPy only warns about
        proc = run_main(*argv, "--json", "-")
    assert sorted(folder.iterdir()) == before, "a file was left behind"
    if proc.returncode == 0:
        document = json.loads(proc.stdout, parse_constant=_refuse_constant)
        assert all(math.isfinite(x) for x in _floats(document))
        assert proc.stderr == ""
    else:
        assert proc.returncode == 2, (proc.returncode, proc.stderr)
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("ripple: error: "), proc.stderr
        assert len(lines[0]) < 8_000, "an error line must stay readable"


def _floats(value: Any) -> list[float]:
    if isinstance(value, float):
        return [value]
    items = value.values() if isinstance(value, dict) else (
        value if isinstance(value, list) else ())
    return [x for inner in items for x in _floats(inner)]


def fuzz(files: dict[str, Path], role: str, changes: list[Mutation],
         argv: Callable[[dict[str, Path]], list[str]]) -> None:
    """Copy ``files`` into an empty folder, the one at ``role`` mutated, and check the command
    ``argv`` makes of their paths."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = {name: folder / original.name for name, original in files.items()}
        for name, original in files.items():
            content = mutated(original, changes) if name == role else original.read_bytes()
            paths[name].write_bytes(content)
        check_run(argv(paths), folder)


changes = st.lists(mutations, min_size=1, max_size=2)
FUZZ = dict(derandomize=True, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


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


def fuzz_evaluate(run: tuple[dict[str, Path], str, list[Mutation]]) -> None:
    fuzz(*run, lambda paths: ["evaluate", "-w", str(paths["workload"]), "-a", str(paths["arch"]),
                              "-m", str(paths["mapping"])])


def fuzz_workload(mutation: list[Mutation]) -> None:
    fuzz({"workload": SEED / "workload.yaml"}, "workload", mutation,
         lambda paths: ["workload", str(paths["workload"])])


def fuzz_multicore(run: tuple[dict[str, Path], str, list[Mutation], str]) -> None:
    files, role, mutation, mode = run

    def argv(paths: dict[str, Path]) -> list[str]:
        partition = ["--partition", str(paths["partition"])] if "partition" in paths else []
        return ["multicore", "-w", "zoo:lenet5", "-a", str(paths["machine"]), "--mode", mode,
                *partition]

    fuzz(files, role, mutation, argv)


@settings(max_examples=500, **FUZZ)
@given(evaluate_runs())
def test_fuzz_evaluate(run):
    fuzz_evaluate(run)


@settings(max_examples=500, **FUZZ)
@given(changes)
def test_fuzz_workload(mutation):
    fuzz_workload(mutation)


@settings(max_examples=200, **FUZZ)
@given(preset_runs())
def test_fuzz_evaluate_preset(run):
    files, role, mutation, preset = run
    fuzz(files, role, mutation, lambda paths: ["evaluate", "-w", str(SEED / "workload.yaml"),
                                               "-a", str(paths["arch"]), "--dataflow", preset])


@settings(max_examples=100, **FUZZ)
@given(multicore_runs())
def test_fuzz_multicore(run):
    fuzz_multicore(run)


@pytest.mark.slow
@settings(max_examples=2000, **FUZZ)
@given(evaluate_runs())
def test_fuzz_evaluate_many(run):
    fuzz_evaluate(run)


@pytest.mark.slow
@settings(max_examples=1000, **FUZZ)
@given(changes)
def test_fuzz_workload_many(mutation):
    fuzz_workload(mutation)


@pytest.mark.slow
@settings(max_examples=500, **FUZZ)
@given(multicore_runs())
def test_fuzz_multicore_many(run):
    fuzz_multicore(run)
