# expect: passed
from itertools import groupby


def compress(text):
    return "".join(f"{char}{len(list(run))}" for char, run in groupby(text))


assert compress("") == ""
assert compress("aabccc") == "a2b1c3"
assert compress("abc") == "a1b1c1"
