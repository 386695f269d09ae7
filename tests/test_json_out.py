"""JSON results are written whole (or not at all), readable like any file the user makes."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ripple.report import write_json


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
