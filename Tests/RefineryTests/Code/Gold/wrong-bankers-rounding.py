# expect: assertion_failed
# detail: assert round_half_up(2.5) == 3 failed (got 2)
def round_half_up(x):
    return round(x)


assert round_half_up(1.4) == 1
assert round_half_up(1.5) == 2
assert round_half_up(2.5) == 3
