"""Design-space exploration: the whole space exported, resumable, the same on a Dask cluster."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from ripple.arch import load_architecture
from ripple.dse.constraints import Constraints
from ripple.dse.explore import explore
from ripple.dse.outcome import ROW_COLUMNS, ExplorationOutcome
from ripple.workload import load_workload
from tests.conftest import EXAMPLES, run_cli

SEED = EXAMPLES / "seed_case"


@pytest.fixture(scope="module")
def seed():
    return load_workload(SEED / "workload.yaml").layers, load_architecture(SEED / "arch.yaml")


def test_seed_space_finds_the_event_driven_mapping(seed, tmp_path):
    """With the seed's unrolling (K over the 8 NPEs), every output-indexed mapping reads I at
    least 81 times; the event-driven mapping is in the export, reading it 25 times."""
    layers, arch = seed
    rules = Constraints(spatial={"D1": [("K", 8)]})
    run = explore(layers, arch, rules, tmp_path / "seed.parquet")
    assert run.complete
    table = pq.read_table(tmp_path / "seed.parquet")
    index = np.array(table["index"].to_pylist())
    i_reads = table["input_sram.I.reads"].to_numpy()
    assert (index == "output").sum() == 24 and (index == "input").sum() == 24  # 4! orders each
    assert i_reads[index == "output"].min() == 81
    loops = np.array(table["loops"].to_pylist())
    event = (index == "input") & (loops == "sram: IY5 IX5 FX3 FY3")
    assert event.sum() == 1
    row = {name: table[name].to_numpy()[event][0] for name in
           ("input_sram.I.reads", "weight_output_sram.W.reads", "energy_pj", "macs_issued")}
    assert row == {"input_sram.I.reads": 25, "weight_output_sram.W.reads": 81,
                   "energy_pj": pytest.approx(3026.22), "macs_issued": 648}
    assert table.schema.metadata[b"ripple.complete"] == b"true"


def _interrupt_after(tasks: int):
    seen = {"n": 0}

    def progress(_rows: int) -> None:
        seen["n"] += 1
        if seen["n"] == tasks:
            raise KeyboardInterrupt

    return progress


def test_interrupted_run_resumes_to_the_same_export(seed, tmp_path):
    layers, arch = seed
    rules = Constraints()
    whole = explore(layers, arch, rules, tmp_path / "whole.parquet", batch_size=200)
    assert whole.complete
    partial = explore(layers, arch, rules, tmp_path / "run.parquet", batch_size=200,
                      progress=_interrupt_after(5))
    assert not partial.complete
    status = json.loads((tmp_path / "run.parquet.status.json").read_text())
    assert status["complete"] is False and status["tasks_done"] == 5
    assert pq.read_table(tmp_path / "run.parquet").schema.metadata[b"ripple.complete"] == b"false"
    finished_rows = sum(len(summary.valid) for summary in partial.summaries)
    assert pq.read_table(tmp_path / "run.parquet").num_rows == finished_rows > 0
    resumed = explore(layers, arch, rules, tmp_path / "run.parquet", batch_size=200,
                      resume=True, progress=None)
    assert resumed.complete
    assert pq.read_table(tmp_path / "run.parquet").equals(pq.read_table(tmp_path / "whole.parquet"))
    assert len(resumed.summaries) == len(whole.summaries)


def test_resume_refuses_a_changed_exploration(seed, tmp_path):
    layers, arch = seed
    explore(layers, arch, Constraints(), tmp_path / "run.parquet", batch_size=200,
            progress=_interrupt_after(2))
    with pytest.raises(Exception, match="cannot resume"):
        explore(layers, arch, Constraints(index=["output"]), tmp_path / "run.parquet",
                batch_size=200, resume=True)


def test_process_pool_and_dask_give_the_same_export(seed, tmp_path):
    distributed = pytest.importorskip("distributed")
    layers, arch = seed
    rules = Constraints()
    explore(layers, arch, rules, tmp_path / "local.parquet", batch_size=500)
    explore(layers, arch, rules, tmp_path / "pool.parquet", batch_size=500, workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        explore(layers, arch, rules, tmp_path / "dask.parquet", batch_size=500,
                scheduler=cluster.scheduler_address)
    local = pq.read_table(tmp_path / "local.parquet")
    assert local.num_rows == 3648
    assert pq.read_table(tmp_path / "pool.parquet").equals(local)
    assert pq.read_table(tmp_path / "dask.parquet").equals(local)


def test_explore_cli_report_and_csv(tmp_path):
    proc = run_cli("explore", "-w", str(SEED / "workload.yaml"), "-a", str(SEED / "arch.yaml"),
                   "--objective", "latency", "--report", "--export", str(tmp_path / "s.csv"),
                   "--plot", str(tmp_path), "--json", "-")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    layer = doc["layers"][0]
    assert doc["complete"] and doc["rows"] == layer["evaluated"] == 3648
    assert layer["best"]["latency_cycles"] == 81
    report = layer["report"]
    energy_best = report["optima"]["energy"]["energy_pj"]
    latency_best = report["optima"]["latency"]["energy_pj"]
    assert report["latency_optimum_energy_loss_pct"] == pytest.approx(
        100 * (latency_best - energy_best) / energy_best)
    assert report["within_of_optimum"]["energy"]["1%"] >= 1
    assert (tmp_path / "s.csv").read_text().startswith('"task","row","layer"')
    assert (tmp_path / f"mapspace_{layer['layer']}.png").stat().st_size > 1000


def test_mapspace_figure_names_the_layer(tmp_path):
    from ripple.api import explore_files
    from ripple.viz.explore import mapspace_figure

    outcome = explore_files("zoo:lenet5", SEED / "arch.yaml", export=tmp_path / "s.parquet",
                            layer="fc3", limit=50)
    figure = mapspace_figure(outcome.run, outcome.title, "fc3")
    assert figure.axes[0].get_title() == f"fc3 of {outcome.title}"
    assert outcome.title == "lenet5 on seed_8npe"


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_optima_and_front_read_back_equal_a_full_read(seed, tmp_path, suffix):
    """The outcome reads only the row groups (Parquet) or streams the chunks (CSV) holding
    the optima and the front: every row it returns equals the export's own, across tasks."""
    layers, arch = seed
    export = tmp_path / f"seed{suffix}"
    run = explore(layers, arch, Constraints(), export, batch_size=7)
    outcome = ExplorationOutcome(run, [layers[0].name], export, "seed")
    doc = outcome.document("pareto", report=True)["layers"][0]
    table = pq.read_table(export) if suffix == ".parquet" else pacsv.read_csv(export)
    full = {(r["task"], r["row"]): {k: r[k] for k in ROW_COLUMNS} for r in table.to_pylist()}
    for row in doc["pareto_front"] + list(doc["report"]["optima"].values()):
        assert row == full[(row["task"], row["row"])]
    keys = sorted(full)[::97]  # rows of many tasks, each in its own row group
    assert len({t for t, _ in keys}) > 10
    assert outcome._rows(keys) == {key: full[key] for key in keys}
