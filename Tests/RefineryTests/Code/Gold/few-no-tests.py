# expect: too_few_tests
# detail: found 0 test assertions
def square(x):
    return x * x


print(square(3))
