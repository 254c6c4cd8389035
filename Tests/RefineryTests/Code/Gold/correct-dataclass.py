# expect: passed
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    x: float
    y: float

    def distance(self, other: Point) -> float:
        return math.hypot(self.x - other.x, self.y - other.y)


assert Point(0, 0).distance(Point(3, 4)) == 5
assert Point(1, 1) == Point(1, 1)
assert Point(-1, 0).distance(Point(-1, 0)) == 0
