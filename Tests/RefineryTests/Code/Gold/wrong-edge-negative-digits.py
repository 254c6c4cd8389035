# expect: assertion_failed
# detail: assert digit_sum(-45) == 9 failed (got -9)
def digit_sum(n):
    return sum(int(d) for d in str(n).lstrip("-")) * (-1 if n < 0 else 1)


assert digit_sum(123) == 6
assert digit_sum(0) == 0
assert digit_sum(-45) == 9
