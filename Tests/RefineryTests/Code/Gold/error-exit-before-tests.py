# expect: runtime_error
# detail: the program called exit(0)
import sys


def square(x):
    return -1


sys.exit(0)
assert square(2) == 4
assert square(3) == 9
assert square(4) == 16
