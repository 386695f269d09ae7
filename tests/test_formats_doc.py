"""docs/formats.md and ``ripple schema``: generated from the models, so they cannot drift, and
the JSON Schemas accept every bundled example and refuse what the loaders refuse."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ripple.cli.main import main
from ripple.report.formats_doc import formats_markdown
from ripple.schemas import KINDS
from ripple.specio import read_yaml

DOC = Path(__file__).resolve().parents[1] / "docs" / "formats.md"


def test_the_committed_reference_is_the_generated_one():
    assert DOC.read_text() == formats_markdown(), (
        "docs/formats.md is stale: run 'ripple schema --markdown -o docs/formats.md'")


def test_every_field_of_every_model_is_documented():
    from ripple.report.formats_doc import _model_classes

    text = DOC.read_text()
    for kind in KINDS.values():
        for name, cls in _model_classes(kind.root()).items():
            section = text.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0]
            for field in cls.model_fields:
                assert f"| `{field}` |" in section, (name, field)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_schema_accepts_every_bundled_example(name, capsys):
    assert main(["schema", name]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)  # a valid schema, for any editor
    validator = jsonschema.Draft202012Validator(schema)
    paths = KINDS[name].example_paths()
    assert paths
    for path in paths:
        errors = [e.message for e in validator.iter_errors(read_yaml(path))]
        assert not errors, (path, errors)


@pytest.mark.parametrize(("name", "data"), [
    ("architecture", {"name": "a", "array": {"D1": 8}, "mac": {"energy_pj": 1},
                      "levels": [{"name": "l", "memories": [{
                          "name": "m", "operands": ["I"], "read_bandwith": 8,
                          "write_bandwidth": 8, "read_energy_pj": 1, "write_energy_pj": 1}]}]}),
    ("workload", {"K": 8, "C": 1, "FYY": 3}),
    ("mapping", {"temporal": {"sram": [["Q", 3]]}}),
    ("densities", {"densities": {"default": {"X": 0.5}}}),
])
def test_schema_refuses_what_the_loader_refuses(name, data):
    schema = KINDS[name].json_schema()
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(data))


def test_shorthands_the_loaders_expand_are_valid():
    workload = jsonschema.Draft202012Validator(KINDS["workload"].json_schema())
    for data in ({"K": 8, "C": 1, "stride": 2, "padding": 1},
                 {"K": 8, "C": 1, "padding": {"top": 1}},
                 {"layer": {"K": 8, "C": 1, "padding": [1, 0]}}):
        assert not list(workload.iter_errors(data)), data
    arch = KINDS["architecture"].json_schema()
    example = read_yaml(KINDS["architecture"].example_paths()[0])
    for conventions in ("zigzag", {"preset": "timeloop", "fills": "whole"}):
        given = {**example, "conventions": conventions, "mac": {"energy_pj": 1, "latch": "none"}}
        assert not list(jsonschema.Draft202012Validator(arch).iter_errors(given))


def test_unknown_kind_is_one_line(capsys):
    assert main(["schema", "archtecture"]) == 2
    assert "unknown file kind 'archtecture'" in capsys.readouterr().err
