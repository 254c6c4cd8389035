# expect: exited_early
import os


def square(x):
    return -1


os._exit(0)
assert square(2) == 4
assert square(3) == 9
assert square(4) == 16
