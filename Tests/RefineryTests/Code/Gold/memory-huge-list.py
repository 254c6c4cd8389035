# expect: memory_limit
def grid(n):
    """A flat n-by-n grid of zeros (quadratic memory: fine for small n only)."""
    return [0] * (n * n)


assert len(grid(2)) == 4
assert grid(1) == [0]
assert len(grid(100_000)) == 10_000_000_000
