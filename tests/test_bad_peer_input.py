"""Peer files (Timeloop's tree and energy table, Stream's hardware and cores) broken the way a
hostile corpus broke them: each ends in one line naming the file, the field and what was
expected (exit status 2), never a traceback from deep in an importer's walk."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, SHARED, run_main

TIMELOOP = ROOT / "tests" / "fixtures" / "timeloop_small"
STREAM = SHARED / "reference" / "stream_lenet5" / "hw"


def _timeloop(folder: Path) -> list[str]:
    files = [str(folder / name) for name in ("problem.yaml", "arch.yaml", "ERT.yaml",
                                             "mapping.yaml")]
    return ["evaluate", "--timeloop", *files]


def _stream(folder: Path) -> list[str]:
    return ["multicore", "-w", str(EXAMPLES / "onnx" / "lenet5.onnx"), "-a",
            str(folder / "lenet_dual_core.yaml"), "--mode", "layer"]


# (source folder, command, file to corrupt, text to replace, replacement, field, words)
CASES = {
    "timeloop node not a mapping": (
        TIMELOOP, _timeloop, "arch.yaml", "        - name: chip\n          local:",
        "        - null\n        - name: chip\n          local:", "architecture.subtree[0]."
        "subtree[0]", "valid dictionary"),
    "timeloop local not a list": (
        TIMELOOP, _timeloop, "arch.yaml", "- name: chip\n          local:\n",
        "- name: chip\n          local: -1\n          lokal:\n",
        "architecture.subtree[0].subtree[0].local", "valid list"),
    "timeloop attribute not a number": (
        TIMELOOP, _timeloop, "arch.yaml", "depth: 64", "depth: lots",
        "architecture.subtree[0].subtree[0].local[0].attributes.depth", "valid integer"),
    "timeloop range backwards": (
        TIMELOOP, _timeloop, "arch.yaml", "PE[0..3]", "PE[3..0]",
        "architecture.subtree[0].subtree[0].subtree[0].name", "last >= first"),
    "timeloop component without class": (
        TIMELOOP, _timeloop, "arch.yaml", "class: SRAM", "klass: SRAM",
        "architecture.subtree[0].subtree[0].local[0].class", "required field is missing"),
    "ERT action not a mapping": (
        TIMELOOP, _timeloop, "ERT.yaml", "- {name: write, energy: 5}", "- []",
        "ERT.tables[1].actions[1]", "valid dictionary"),
    "ERT energy empty": (
        TIMELOOP, _timeloop, "ERT.yaml", "energy: 5}", "energy: ''}",
        "ERT.tables[1].actions[1].energy", "valid number"),
    "ERT energy NaN": (
        TIMELOOP, _timeloop, "ERT.yaml", "energy: 5}", "energy: .nan}",
        "ERT.tables[1].actions[1].energy", "finite number"),
    "ERT table without name": (
        TIMELOOP, _timeloop, "ERT.yaml", "- name: system.chip.GLB", "- label: system.chip.GLB",
        "ERT.tables[1].name", "required field is missing"),
    "ERT tables not a list": (
        TIMELOOP, _timeloop, "ERT.yaml", "  tables:\n", "  tables: 7\n  old:\n",
        "ERT.tables", "valid list"),
    "stream operator types not names": (
        STREAM, _stream, "cores/small_core_16mac.yaml", "name: small_core_16mac",
        "name: small_core_16mac\noperator_types: [{Conv: 1}]", "operator_types",
        "expected a list of ONNX operator types"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_peer_file_is_one_clear_line(case, tmp_path):
    source, command, target, old, new, field, words = CASES[case]
    folder = tmp_path / "in"
    shutil.copytree(source, folder)
    path = folder / target
    text = path.read_text()
    assert old in text, f"test setup: {old!r} not in {target}"
    path.write_text(text.replace(old, new, 1))
    out = tmp_path / "result.json"
    proc = run_main(*command(folder), "--json", str(out))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"ripple: error: {path}: {field}: "), lines[0]
    assert words in lines[0], lines[0]
    assert not out.exists() and not list(tmp_path.glob(".result.json*"))
