# expect: too_few_tests
# detail: found 2 test assertions, at least 3 required
def square(x):
    return x * x


assert square(2) == 4
assert square(-3) == 9
