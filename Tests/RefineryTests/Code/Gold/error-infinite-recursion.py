# expect: runtime_error
# detail: RecursionError
def factorial(n):
    return n * factorial(n - 1)


assert factorial(0) == 1
assert factorial(1) == 1
assert factorial(5) == 120
