# expect: passed
import math


def mean(values):
    return sum(values) / len(values)


assert math.isclose(mean([0.1, 0.2]), 0.15)
assert mean([2, 4]) == 3
assert math.isclose(mean([1e-9, 3e-9]), 2e-9)
