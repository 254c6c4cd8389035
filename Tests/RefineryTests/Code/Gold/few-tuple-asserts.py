# expect: too_few_tests
# detail: found 1 test assertion
def square(x):
    return x * x


assert (square(2) == 5, "always true: a non-empty tuple")
assert (square(3) == 5, "still true")
assert (square(4) == 5, "and again")
assert square(1) == 1
