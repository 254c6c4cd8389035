# expect: assertion_failed
# detail: assert half(7) == 3 failed (got 3.5)
def half(n):
    return n / 2


assert half(4) == 2
assert half(0) == 0
assert half(7) == 3
