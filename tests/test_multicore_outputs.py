"""``ripple multicore``: the JSON document, the Perfetto trace (checked event by event against
the trace-event format), the Gantt chart, and bad input as one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from ripple.multicore import load_multicore, run_multicore
from ripple.report.trace import trace_document
from ripple.viz.gantt import draw_gantt, draw_occupancy
from ripple.workload import load_any_workload
from tests.conftest import EXAMPLES, SHARED, cli_json, run_cli

LENET = str(SHARED / "reference" / "onnx" / "lenet5.onnx")
QUAD = EXAMPLES / "multicore" / "quad_core.yaml"


def check_trace_event_format(document: dict) -> list[dict]:
    """Every event of a Chrome trace-event JSON object: complete events (``X``) with a name,
    a category, integer pid/tid, non-negative numeric ts/dur and args; metadata events
    (``M``) naming processes and threads; counters (``C``) with numeric args. Returns the
    complete events."""
    assert set(document) >= {"traceEvents"}
    assert document.get("displayTimeUnit", "ms") in ("ms", "ns")
    complete = []
    for event in document["traceEvents"]:
        assert isinstance(event["name"], str) and event["name"]
        assert event["ph"] in ("X", "M", "C")
        assert isinstance(event["pid"], int) and isinstance(event["tid"], int)
        assert isinstance(event.get("args", {}), dict)
        if event["ph"] == "M":
            assert event["name"] in ("process_name", "thread_name", "process_sort_index")
            assert event["args"]
            continue
        if event["ph"] == "C":  # a counter: a numeric value per series, at a time
            assert event["args"] and all(isinstance(v, int | float)
                                         for v in event["args"].values())
            assert isinstance(event["ts"], int | float) and event["ts"] >= 0
            continue
        assert isinstance(event["cat"], str)
        for key in ("ts", "dur"):
            assert isinstance(event[key], int | float) and not isinstance(event[key], bool)
            assert event[key] >= 0
        complete.append(event)
    named = {e["pid"] for e in document["traceEvents"] if e["name"] == "process_name"}
    assert {e["pid"] for e in complete} <= named, "every track has a name"
    return complete


def test_cli_json_trace_and_gantt(tmp_path):
    trace, plots = tmp_path / "schedule.json", tmp_path / "plots"
    proc = run_cli("multicore", "-w", LENET, "-a", str(QUAD), "--mode", "fused",
                   "--json", "-", "--plot", str(plots), "--trace", str(trace))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["mode"] == "fused" and doc["dataflow"] == "best"
    assert doc["macs"] == 416_520
    assert doc["energy_pj"] == pytest.approx(sum(doc["energy_breakdown_pj"].values()))
    assert [c["name"] for c in doc["cores"]] == ["core0", "core1", "core2", "core3"]
    assert all(0 < c["utilisation"] <= 1 and c["peak_buffer_bits"] > 0 for c in doc["cores"])
    assert doc["latency_cycles"] == max([t["end"] for t in doc["tiles"]]
                                        + [t["end"] for t in doc["transfers"]])
    events = check_trace_event_format(json.loads(trace.read_text()))
    tiles = [e for e in events if e["cat"] in ("mac", "operation")]
    assert len(tiles) == len(doc["tiles"])
    assert max(e["ts"] + e["dur"] for e in events) == doc["latency_cycles"]
    for suffix in (".png", ".svg"):
        assert (plots / f"gantt_fused{suffix}").stat().st_size > 5000


def test_trace_has_a_track_per_core_and_link():
    result = run_multicore(load_any_workload(LENET), load_multicore(QUAD), "event")
    document = trace_document(result)
    events = check_trace_event_format(document)
    names = {e["args"]["name"] for e in document["traceEvents"] if e["name"] == "process_name"}
    assert names >= {"core0", "core1", "core2", "core3", "link bus", "port dram.port"}
    pid = {e["args"]["name"]: e["pid"] for e in document["traceEvents"]
           if e["name"] == "process_name"}
    for run in result.schedule.runs:
        match = [e for e in events if e["ts"] == run.start and e["pid"] == pid[run.tile.core]
                 and e["args"]["node"] == run.tile.node]
        assert match and match[0]["dur"] == run.end - run.start


def test_buffer_occupancy_in_the_trace_and_the_chart(tmp_path):
    """The counters step to every level of the occupancy curve, whose highest is the core's
    reported peak; the chart draws one curve per core."""
    result = run_multicore(load_any_workload(LENET), load_multicore(QUAD), "event")
    document = trace_document(result)
    check_trace_event_format(document)
    pid = {e["args"]["name"]: e["pid"] for e in document["traceEvents"]
           if e["name"] == "process_name"}
    for core in result.cores():
        levels = [e["args"]["bits"] for e in document["traceEvents"]
                  if e["ph"] == "C" and e["pid"] == pid[core["name"]]]
        assert max(levels) == core["peak_buffer_bits"] > 0 and levels[-1] == 0
    fig, ax = plt.subplots()
    draw_occupancy(ax, result)
    assert [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")
            ] == result.machine.cores
    plt.close(fig)


def test_gantt_has_one_row_per_core():
    result = run_multicore(load_any_workload(LENET), load_multicore(QUAD), "layer")
    fig, (cores_ax, links_ax) = plt.subplots(2, 1)
    rows = draw_gantt(cores_ax, links_ax, result)
    assert rows == ["core0", "core1", "core2", "core3"]
    assert [t.get_text() for t in cores_ax.get_yticklabels()] == rows
    bars = sum(len(c.get_paths()) for c in cores_ax.collections)
    assert bars == len(result.schedule.runs)
    plt.close(fig)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


CORE = EXAMPLES / "multicore" / "core_16mac.yaml"
QUAD_TEXT = QUAD.read_text()


def _machine(tmp_path: Path, text: str) -> Path:
    """A machine file in ``tmp_path``, next to the core architecture it names."""
    _write(tmp_path, CORE.name, CORE.read_text())
    return _write(tmp_path, "machine.yaml", text)


# (file to corrupt: machine or partition, text to replace, replacement, field, words)
BAD = {
    "unknown endpoint": ("machine", "endpoints: [core0, core1]", "endpoints: [core0, core9]",
                         "links[0].endpoints[1]", "neither a core nor the off-chip"),
    "unreachable memory": ("machine", "endpoints: [core0, core1, core2, core3, dram]",
                           "endpoints: [core0, core1, core2, core3]", "links",
                           "'core0' cannot reach 'dram'"),
    "negative bandwidth": ("machine", "dram], bandwidth: 64,", "dram], bandwidth: -64,",
                           "links[4].bandwidth", "greater than 0"),
    "duplicate core": ("machine", "name: core1,", "name: core0,", "cores[1].name",
                       "used twice"),
    "unknown layer": ("partition", "conv1:", "conv9:", "layers.conv9", "no node 'conv9'"),
    "unknown core": ("partition", "[core1]", "[core7]", "layers.conv2.cores", "unknown core"),
    "rows of a vector": ("partition", "fc1: {split: channels}", "fc1: {split: rows}",
                         "layers.fc1.split", "single output row"),
}
PARTITION = "layers:\n  conv1: {split: rows}\n  conv2: {cores: [core1]}\n" \
            "  fc1: {split: channels}\n"


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_clear_line(case, tmp_path):
    target, old, new, field, words = BAD[case]
    texts = {"machine": QUAD_TEXT, "partition": PARTITION}
    assert old in texts[target], f"test setup: {old!r}"
    texts[target] = texts[target].replace(old, new, 1)
    machine = _machine(tmp_path, texts["machine"])
    partition = _write(tmp_path, "partition.yaml", texts["partition"])
    out = tmp_path / "result.json"
    proc = run_cli("multicore", "-w", LENET, "-a", str(machine), "--partition", str(partition),
                   "--json", str(out))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    blamed = machine if target == "machine" else partition
    assert str(blamed) in lines[0] and f": {field}: " in lines[0] and words in lines[0], lines[0]
    assert not out.exists()


def test_bad_core_architecture_names_its_file(tmp_path):
    core = _write(tmp_path, "core.yaml", CORE.read_text().replace("read_bandwidth: 128",
                                                                  "read_bandwidth: wide", 1))
    machine = _write(tmp_path, "machine.yaml", QUAD_TEXT.replace(CORE.name, core.name))
    proc = run_cli("multicore", "-w", LENET, "-a", str(machine))
    assert proc.returncode == 2
    assert f"{core}: levels[0].memories[0].read_bandwidth:" in proc.stderr


def test_bad_run_options_are_clear_errors():
    for option, words in ((["--dataflow", "zz"], "unknown dataflow 'zz'"),
                          (["--rows-per-tile", "0"], "from 1 to")):
        proc = run_cli("multicore", "-w", LENET, "-a", str(QUAD), *option)
        assert proc.returncode == 2 and words in proc.stderr and "Traceback" not in proc.stderr


def test_bad_inline_core_architecture_names_the_field(tmp_path):
    text = (EXAMPLES / "multicore" / "hetero.yaml").read_text()
    machine = _machine(tmp_path, text.replace("read_bandwidth: 256", "read_bandwidth: -1", 1))
    proc = run_cli("multicore", "-w", LENET, "-a", str(machine))
    assert proc.returncode == 2
    assert f"{machine}: cores[1].arch.levels[0].memories[0].read_bandwidth:" in proc.stderr


def test_defaults_are_event_mode_with_each_tiles_fastest_preset():
    """No --mode, no --dataflow: event-driven scheduling of tiles each under its fastest preset,
    faster than any one preset for every tile (the old default ran event-driven tiles)."""
    default = cli_json("multicore", "-w", LENET, "-a", str(QUAD))
    assert (default["mode"], default["dataflow"]) == ("event", "best")
    explicit = cli_json("multicore", "-w", LENET, "-a", str(QUAD), "--mode", "event",
                        "--dataflow", "best")
    assert default["latency_cycles"] == explicit["latency_cycles"]
    for preset in ("ed", "ws"):
        fixed = cli_json("multicore", "-w", LENET, "-a", str(QUAD), "--dataflow", preset)
        assert default["latency_cycles"] < fixed["latency_cycles"]
