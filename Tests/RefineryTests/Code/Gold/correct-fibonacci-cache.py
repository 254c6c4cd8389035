# expect: passed
from functools import lru_cache


@lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


assert fib(0) == 0
assert fib(1) == 1
assert fib(10) == 55
assert fib(90) == 2880067194370816120
