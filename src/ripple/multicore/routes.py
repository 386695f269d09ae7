"""Routes over the interconnect: which links a transfer between two endpoints may occupy.

A link joins two endpoints (point to point) or more (a bus). The candidate routes between two
endpoints are all those with the fewest hops; a transfer takes the candidate on which it would
finish first given the links' current bookings (ties: the widest, then the links listed
first). It holds every link of its route at once for ``bits / bottleneck`` cycles
(cut-through, no store and forward), and costs the sum of the links' energies per bit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

#: A link as the router needs it: label, endpoints, bandwidth (bits/cycle), pJ per bit.
LinkTuple = tuple[str, Sequence[str], int, float]


@dataclass(frozen=True)
class Route:
    links: tuple[str, ...]
    bandwidth: int
    energy_pj_per_bit: float


def route_table(endpoints: Sequence[str],
                links: Sequence[LinkTuple]) -> dict[tuple[str, str], tuple[Route, ...]]:
    """The fewest-hop routes of every ordered pair of distinct endpoints that some chain of
    links joins, widest first."""
    table: dict[tuple[str, str], tuple[Route, ...]] = {}
    for source in endpoints:
        hops = _hops_from(source, links)
        for target in endpoints:
            if target == source or target not in hops:
                continue
            paths = _paths(source, target, hops, links)
            routes = [Route(tuple(links[i][0] for i in path), min(links[i][2] for i in path),
                            sum(links[i][3] for i in path)) for path in paths]
            table[(source, target)] = tuple(sorted(routes, key=lambda r: -r.bandwidth))
    return table


def _hops_from(source: str, links: Sequence[LinkTuple]) -> dict[str, int]:
    hops = {source: 0}
    frontier = [source]
    while frontier:
        reached = []
        for node in frontier:
            for _, ends, _, _ in links:
                if node in ends:
                    for neighbour in ends:
                        if neighbour not in hops:
                            hops[neighbour] = hops[node] + 1
                            reached.append(neighbour)
        frontier = reached
    return hops


def _paths(node: str, target: str, hops: dict[str, int],
           links: Sequence[LinkTuple]) -> Iterator[tuple[int, ...]]:
    """Link-index sequences from ``node`` to ``target`` along which the hop count from the
    source grows by one each step (the fewest-hop paths), in link order."""
    if node == target:
        yield ()
        return
    for index, (_, ends, _, _) in enumerate(links):
        if node not in ends:
            continue
        for neighbour in ends:
            if hops.get(neighbour) == hops[node] + 1 and hops[neighbour] <= hops[target]:
                for rest in _paths(neighbour, target, hops, links):
                    yield (index, *rest)
