# expect: runtime_error
# detail: raised AssertionError: n must be non-negative (line 2:
def sqrt_int(n):
    assert n >= 0, "n must be non-negative"
    return int(n ** 0.5)


assert sqrt_int(9) == 3
assert sqrt_int(10) == 3
assert sqrt_int(-4) == 0
