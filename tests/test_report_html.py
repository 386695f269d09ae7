"""The HTML report, opened in a real browser (headless Debian chromium through Playwright): for
each kind of result it renders with no console error and no network request, every figure it
must have is drawn, every number of its tables equals the JSON result's, the figures' bars and
Pareto front equal the JSON's, and a screenshot is saved. Without chromium the tests fail
saying how to install it; they never skip."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from ripple.report.html.browser import ChromiumMissing, chromium, open_report
from tests.conftest import EXAMPLES, run_main

SEED = ["-w", str(EXAMPLES / "seed_case" / "workload.yaml"),
        "-a", str(EXAMPLES / "seed_case" / "arch.yaml")]
EVENT = ["-m", str(EXAMPLES / "seed_case" / "mapping_event_driven.yaml")]
PERF = r"(latency_cycles|latency/\w+|energy_pj|macs/\w+)"
#: Per kind, the numbers of the JSON (paths joined by /) its tables must show.
SHOWN = {
    "layer": r"(?!timing/|output_readiness/row_ready_cycles).*",
    "network": rf"(layers/\d+|total)/{PERF}",
    "comparison": rf"comparison/\d+/((dense|sparse)/)?(layers/\d+|total)/{PERF}",
    "search": r"mappings_in_space|total/.*|layers/\d+/(search/(mappings|mappings_evaluated|"
              r"mappings_pruned|skeletons|skeletons_pruned)|(best|pareto_front/\d+)/"
              r"(energy_pj|latency_cycles|edp))",
    "exploration": r"rows|total/.*|layers/\d+/(evaluated|valid|(best|pareto_front/\d+|report/"
                   r"optima/\w+)/(energy_pj|latency_cycles|edp)|report/(?!optima/).*)",
    "multicore": r"latency_cycles|macs|energy_pj|energy_breakdown_pj/\w+|cores/\d+/\w+|links/"
                 r"\d+/(bandwidth|busy_cycles|bits|energy_pj)|layers/\d+/(tiles|macs|start|end)",
    "table7": r".*",
    "lenet5_digits": r".*",
}
CASES = {
    "evaluate": ["evaluate", *SEED, *EVENT],
    "simulate": ["simulate", *SEED, *EVENT],
    "network": ["evaluate", "-w", "zoo:lenet5", "-a", str(EXAMPLES / "seed_dram" / "arch.yaml"),
                "--dataflow", "ed"],
    "compare": ["compare", "-w", "zoo:lenet5", "-a", str(EXAMPLES / "eyeriss_like" / "arch.yaml")],
    "compare_sparse": ["compare", "-w", "zoo:lenet5", "-a",
                       str(EXAMPLES / "seed_dram" / "arch.yaml"), "--dataflows", "os,ed",
                       "--density", "I=0.4"],
    "explore": ["explore", *SEED, "--limit", "3000", "--objective", "pareto", "--report",
                "--export", "space.parquet"],
    "search": ["explore", "-w", "zoo:lenet5", "-a", str(EXAMPLES / "seed_case" / "arch.yaml"),
               "--objective", "pareto"],
    "multicore": ["multicore", "-w", "zoo:lenet5", "-a",
                  str(EXAMPLES / "multicore" / "dual_core.yaml"), "--mode", "layer"],
    "table7": ["sparsity", "table7"],
    "lenet5_digits": ["sparsity", "lenet5"],
}
SLOW = {"lenet5_digits"}  # trains the digits LeNet-5 first: half a minute


@pytest.fixture(scope="module")
def browser() -> Any:
    try:
        with chromium() as opened:
            yield opened
    except ChromiumMissing as exc:
        pytest.fail(str(exc))


def expected_figures(doc: dict[str, Any]) -> set[str]:
    """The figures a result must have, from its JSON alone."""
    if "searches" in doc:  # a search holds no mapspace
        return set()
    if "export" in doc:
        return {f"mapspace_{layer['layer']}" for layer in doc["layers"]}
    if "cores" in doc:
        return {"energy_breakdown", "gantt"}
    if "table7" in doc or "lenet5_digits" in doc:
        return {f"{next(iter(doc))}_energy"}
    if "comparison" in doc or "workload" in doc:
        return {f"{tag}{name}" for tag in _network_groups(doc)
                for name in ("latency", "energy", "energy_breakdown", "readiness")}
    return {"energy_breakdown", "latency", "readiness"}


def numeric_leaves(value: Any, path: tuple = ()) -> dict[str, int | float]:
    if isinstance(value, bool):
        return {}
    if isinstance(value, int | float):
        return {"/".join(map(str, path)): value}
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list) else ())
    return {k: v for key, inner in items for k, v in numeric_leaves(inner, (*path, key)).items()}


def formatted(value: int | float, decimals: int) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.{decimals}f}"


def traces(page: Any, figure: str) -> list[dict[str, Any]]:
    """The traces of a figure as plotly.js holds them (a hidden trace's arrays from its input:
    plotly.js leaves them out of its full data)."""
    return page.eval_on_selector(
        f'figure[data-figure="{figure}"] .js-plotly-plot',
        """p => p._fullData.map(t => {
            const d = p.data[t.index];
            const arr = k => Array.from((t[k] && t[k].length ? t[k] : d[k]) || []);
            return {name: t.name, meta: d.meta, base: arr('base'), x: arr('x'), y: arr('y'),
                    text: arr('text')};
        })""")


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c in SLOW else c
                                  for c in CASES])
def test_report_in_browser(case: str, browser: Any, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    done = run_main(*CASES[case], "--json", "result.json", "--report-html", "report.html")
    assert done.returncode == 0, done.stderr
    doc = json.loads(Path("result.json").read_text())
    opened = open_report(browser, tmp_path / "report.html")
    page = opened.page
    assert opened.errors == [] and opened.requests == []
    kind = page.eval_on_selector("section[data-doc='0']", "s => s.dataset.kind")

    drawn = {f: n for f, n in page.eval_on_selector_all(
        "figure[data-figure]", "fs => fs.map(f => [f.dataset.figure, "
        "f.querySelector('.js-plotly-plot')._fullData.length])")}
    assert set(drawn) == expected_figures(doc)
    assert all(n > 0 for n in drawn.values())

    cells = page.eval_on_selector_all("[data-path]", "cs => cs.map(c => [c.dataset.path, "
                                      "Number(c.dataset.decimals), c.textContent])")
    leaves = numeric_leaves(doc)
    for path, decimals, text in cells:
        assert text == formatted(leaves[path], decimals), path
    required = {p for p in leaves if re.fullmatch(SHOWN[kind], p)}
    assert required and required <= {path for path, _, _ in cells}
    _figures_equal_json(page, kind, doc)

    shot = tmp_path / f"report_{case}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0
    if os.environ.get("RIPPLE_REPORT_SCREENSHOTS"):  # to look at them
        shutil.copy(shot, Path(os.environ["RIPPLE_REPORT_SCREENSHOTS"]) / shot.name)
    page.close()


def _figures_equal_json(page: Any, kind: str, doc: dict[str, Any]) -> None:
    """The bars and points drawn are the JSON's numbers."""
    if kind == "layer":
        bars = {t["name"]: t["x"] for t in traces(page, "latency")}
        assert bars == {phase: [cycles] for phase, cycles in doc["latency"].items()}
    elif kind in ("network", "comparison"):
        for tag, nets in _network_groups(doc).items():
            bars = {t["name"]: t["y"] for t in traces(page, f"{tag}latency")}
            assert bars == {n["dataflow"]: [la["latency_cycles"] for la in n["layers"]]
                            for n in nets}
            lines = {(t["meta"], t["name"]): t["x"] for t in traces(page, f"{tag}readiness")}
            assert lines == {(la["layer"], n["dataflow"]): [0, *sorted(
                la["output_readiness"]["row_ready_cycles"])] for n in nets for la in n["layers"]}
    elif kind == "exploration":
        for layer in doc["layers"]:
            front = next(t for t in traces(page, f"mapspace_{layer['layer']}")
                         if t["name"].startswith("Pareto front"))
            assert list(zip(front["x"], front["y"], strict=True)) == [
                (p["latency_cycles"], p["energy_pj"]) for p in layer["pareto_front"]]
            assert front["text"] == [  # hover shows the mapping
                " | ".join(filter(None, (p["loops"], p["spatial"]))) + f" ({p['index']}-indexed)"
                for p in layer["pareto_front"]]
    elif kind == "multicore":
        bars = [t for t in traces(page, "gantt") if not t["name"].startswith("transfer")]
        drawn = sorted((b, y) for t in bars for b, y in zip(t["base"], t["y"], strict=True))
        assert drawn == sorted((t["start"], t["core"]) for t in doc["tiles"])


def _network_groups(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The networks of a network or comparison result, by figure-name prefix."""
    entries = doc.get("comparison", [doc])
    if "dense" in entries[0]:
        return {f"{side}_": [e[side] for e in entries] for side in ("dense", "sparse")}
    return {"": entries}


def test_report_of_several_results(browser: Any, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``ripple report`` puts several results in one page, a section each."""
    monkeypatch.chdir(tmp_path)
    for name in ("evaluate", "explore"):
        assert run_main(*CASES[name], "--json", f"{name}.json").returncode == 0
    done = run_main("report", "evaluate.json", "explore.json", "-o", "both.html")
    assert done.returncode == 0, done.stderr
    opened = open_report(browser, tmp_path / "both.html")
    kinds = opened.page.eval_on_selector_all("section[data-kind]", "s => s.map(x => "
                                             "x.dataset.kind)")
    assert kinds == ["layer", "exploration"] and opened.errors == []


def test_report_of_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("other.json").write_text('{"name": 1}')
    Path("broken.json").write_text("{")
    Path("folder.html").mkdir()
    evaluate = [*CASES["evaluate"], "--report-html", "folder.html"]
    done = run_main(*evaluate)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("ripple: error: folder.html: --report-html: is a folder; expected a "
                           "file to write\n")
    for given, said in (("missing.json", "cannot read it"), ("other.json", "not a Ripple result"),
                        ("broken.json", "not JSON")):
        done = run_main("report", given, "-o", "out.html")
        assert done.returncode == 2 and done.stderr.startswith(f"ripple: error: {given}: ")
        assert said in done.stderr and len(done.stderr.splitlines()) == 1
    assert not Path("out.html").exists()


def test_report_of_misshapen_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A result of a known kind with a field missing, or whose export is gone: one line."""
    monkeypatch.chdir(tmp_path)
    Path("cut.json").write_text('{"comparison": [{"dataflow": "ed"}]}')
    assert run_main(*CASES["explore"], "--json", "space.json").returncode == 0
    Path("space.parquet").rename("moved.parquet")
    for given, said in (("cut.json", "a comparison result missing"),
                        ("space.json", "export: the export space.parquet is not there")):
        done = run_main("report", given, "-o", "out.html")
        assert done.returncode == 2 and said in done.stderr, done.stderr
        assert len(done.stderr.splitlines()) == 1
    assert not Path("out.html").exists()


def test_mapspace_of_csv_equals_parquet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The binned view reads a CSV export as a Parquet one; it counts every valid mapping once,
    and draws the front and at most SAMPLE others, each with the export's own mapping text."""
    import pyarrow.parquet as pq

    from ripple.report.html.mapspace import SAMPLE, mapspace_view

    monkeypatch.chdir(tmp_path)
    views = []
    for export in ("space.parquet", "space.csv"):
        args = [*CASES["explore"][:-1], export]
        assert run_main(*args, "--json", f"{export}.json").returncode == 0
        views.append(mapspace_view(Path(export), "seed_conv"))
    parquet, csv = views
    rows = pq.read_table("space.parquet").to_pylist()
    valid = [r for r in rows if r["valid"]]
    assert parquet.valid == csv.valid == len(valid) == parquet.counts.sum()
    assert (parquet.counts == csv.counts).all()
    assert parquet.front.mappings == csv.front.mappings
    assert parquet.sample.mappings == csv.sample.mappings
    assert len(parquet.sample.mappings) == min(SAMPLE, len(valid) - len(parquet.front.mappings))
    loops: dict[tuple[float, int], set[str]] = {}
    for r in valid:
        loops.setdefault((r["energy_pj"], r["latency_cycles"]), set()).add(r["loops"])
    for points in (parquet.front, parquet.sample):
        for e, lat, text in zip(points.energy_pj, points.latency_cycles, points.mappings,
                                strict=True):
            assert any(text.startswith(nest) for nest in loops[(e, lat)])
