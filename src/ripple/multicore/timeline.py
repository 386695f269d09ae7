"""A resource's busy intervals (a core, a link, the off-chip port) and the earliest time at
which a set of resources is free together for a given duration.

Reservations may fill an earlier gap (backfilling): a tile or transfer placed later in priority
order can run in an idle stretch left before work already placed, without moving it.
"""

from __future__ import annotations

import bisect


class Timeline:
    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def earliest(self, time: int, duration: int) -> int:
        """The first start at or after ``time`` of a free stretch of ``duration`` cycles."""
        if duration <= 0:
            return time
        index = max(bisect.bisect_right(self._starts, time) - 1, 0)
        for start, end in zip(self._starts[index:], self._ends[index:], strict=True):
            if time + duration <= start:
                return time
            time = max(time, end)
        return time

    def reserve(self, start: int, duration: int) -> None:
        if duration <= 0:
            return
        index = bisect.bisect_right(self._starts, start)
        self._starts.insert(index, start)
        self._ends.insert(index, start + duration)

    @property
    def busy(self) -> int:
        return sum(end - start for start, end in zip(self._starts, self._ends, strict=True))


def earliest_together(timelines: list[Timeline], time: int, duration: int) -> int:
    """The earliest start at or after ``time`` at which every timeline is free for
    ``duration`` cycles."""
    while True:
        starts = [timeline.earliest(time, duration) for timeline in timelines]
        latest = max(starts, default=time)
        if all(start == latest for start in starts):
            return latest
        time = latest
