# expect: too_few_tests
# detail: found 0 test assertions
def square(x):
    return x * x


def test_square():
    assert square(2) == 4
    assert square(3) == 9
    assert square(4) == 16
