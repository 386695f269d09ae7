"""What an exploration found: optima per objective, the Pareto front, and what one objective
loses against another."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ripple.dse.explore import Exploration


def pareto_front(energy: NDArray[np.float64], latency: NDArray[np.int64]) -> NDArray[np.int64]:
    """Indices of the mappings no other mapping beats in both energy and latency (ties kept
    once), sorted by latency."""
    order = np.lexsort((energy, latency))
    ordered = energy[order]
    best_before = np.minimum.accumulate(np.concatenate(([np.inf], ordered[:-1])))
    return order[ordered < best_before].astype(np.int64)  # vectorised: millions of mappings


@dataclass
class Findings:
    evaluated: int
    valid: int
    best: dict[str, tuple[int, int]]  # objective -> (task, row)
    values: dict[str, dict[str, float]]  # objective -> energy, latency, edp of its optimum
    front: list[tuple[int, int]]
    within: dict[str, dict[str, int]]  # objective -> {"1%": n, "5%": n, "10%": n}
    latency_optimum_energy_loss_pct: float
    energy_optimum_latency_loss_pct: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "evaluated": self.evaluated, "valid": self.valid,
            "best": {k: {"task": t, "row": r, **self.values[k]} for k, (t, r) in self.best.items()},
            "pareto_front": [{"task": t, "row": r} for t, r in self.front],
            "within_of_optimum": self.within,
            "latency_optimum_energy_loss_pct": self.latency_optimum_energy_loss_pct,
            "energy_optimum_latency_loss_pct": self.energy_optimum_latency_loss_pct,
        }


def findings(run: Exploration) -> Findings:
    task, row, energy, latency, valid = run.arrays()
    ok = np.flatnonzero(valid)
    if not len(ok):
        return Findings(len(valid), 0, {}, {}, [], {}, 0.0, 0.0)
    e, lat = energy[ok], latency[ok].astype(np.float64)
    scores = {"energy": e, "latency": lat, "edp": e * lat}
    best, values, within = {}, {}, {}
    for name, score in scores.items():
        i = int(np.lexsort((e, lat, score))[0])  # ties broken by latency, then energy
        best[name] = (int(task[ok[i]]), int(row[ok[i]]))
        values[name] = {"energy_pj": float(e[i]), "latency_cycles": float(lat[i]),
                        "edp": float(e[i] * lat[i])}
        optimum = score[i]
        within[name] = {f"{p}%": int((score <= optimum * (1 + p / 100)).sum()) for p in (1, 5, 10)}
    front = [(int(task[ok[i]]), int(row[ok[i]])) for i in pareto_front(e, latency[ok])]
    e_lat, e_min = values["latency"]["energy_pj"], values["energy"]["energy_pj"]
    l_en, l_min = values["energy"]["latency_cycles"], values["latency"]["latency_cycles"]
    return Findings(len(valid), len(ok), best, values, front, within,
                    100 * (e_lat - e_min) / e_min, 100 * (l_en - l_min) / l_min)
