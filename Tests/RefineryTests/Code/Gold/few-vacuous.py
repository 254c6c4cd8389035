# expect: too_few_tests
# detail: 2 asserts test nothing
def square(x):
    return x * x


assert square(2) == 4
assert True
assert 2 * 2 == 4
