# expect: assertion_failed
# detail: assert sum_to(1) == 1 failed (got 0)
def sum_to(n):
    """Sum of 1..n inclusive."""
    return sum(range(1, n))


assert sum_to(0) == 0
assert sum_to(1) == 1
assert sum_to(4) == 10
