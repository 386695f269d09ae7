"""JSON results are written whole (or not at all), readable like any file the user makes."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ripple.errors import ModelError
from ripple.report import write_json
from ripple.results import LayerResult
from tests.conftest import EXAMPLES, run_main


def test_written_file_follows_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        write_json({"a": 1}, str(tmp_path / "out" / "r.json"))
    finally:
        os.umask(previous)
    path = tmp_path / "out" / "r.json"
    assert json.loads(path.read_text()) == {"a": 1}
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(TypeError):
        write_json({"a": object()}, str(tmp_path / "r.json"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_a_non_finite_number_is_an_error_naming_it(tmp_path, value):
    document = {"layers": [{"energy_pj": 1.0}, {"accesses": {"sram": {"I": value}}}]}
    with pytest.raises(ModelError, match=r"^layers\[1\]\.accesses\.sram\.I: the result is "):
        write_json(document, str(tmp_path / "r.json"))
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_a_non_finite_result(tmp_path, monkeypatch):
    """Whatever produced it, a NaN never reaches the JSON: exit 2, one line, no file."""
    original = LayerResult.to_dict
    monkeypatch.setattr(LayerResult, "to_dict",
                        lambda self: {**original(self), "energy_pj": float("nan")})
    seed = EXAMPLES / "seed_case"
    for target in (str(tmp_path / "r.json"), "-"):
        proc = run_main("evaluate", "-w", str(seed / "workload.yaml"), "-a",
                        str(seed / "arch.yaml"), "-m", str(seed / "mapping_event_driven.yaml"),
                        "--json", target)
        assert proc.returncode == 2
        assert proc.stdout == ""
        assert proc.stderr == ("ripple: error: energy_pj: the result is nan (not a finite "
                               "number); Ripple refuses to report it\n")
    assert list(tmp_path.iterdir()) == []
