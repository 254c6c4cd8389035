# expect: assertion_failed
# detail: (got [1, 3])
def min_max(values):
    return [min(values), max(values)]


assert min_max([3, 1, 2]) == (1, 3)
assert min_max([5]) == (5, 5)
assert min_max([-1, 1]) == (-1, 1)
